package main

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// API keys, the alternative to client certificates (what Temporal Cloud offers): a client sends
// "Authorization: Bearer <key>" over TLS. The server keeps only each key's SHA-256, one per line of
// TEMPORAL_API_KEYS_FILE as "<role> <sha256 hex>" (role: worker, people, operator); a lost file reveals no key.
type apiKey struct {
	role string
	hash []byte
}

func loadAPIKeys(file string) ([]apiKey, error) {
	if file == "" {
		return nil, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var keys []apiKey
	scanner := bufio.NewScanner(f)
	for line := 1; scanner.Scan(); line++ {
		text := strings.TrimSpace(scanner.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		hash, err := hex.DecodeString(fields[len(fields)-1])
		if len(fields) != 2 || err != nil || len(hash) != sha256.Size || !validRole(fields[0]) {
			return nil, fmt.Errorf("%s line %d: want \"<worker|people|operator> <sha256 hex of the key>\"", file, line)
		}
		keys = append(keys, apiKey{role: fields[0], hash: hash})
	}
	return keys, scanner.Err()
}

func validRole(r string) bool { return r == roleWorker || r == rolePeople || r == roleOperator }

// roleOfToken compares the token's hash with every key in constant time.
func roleOfToken(keys []apiKey, authorization string) string {
	token, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok || token == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(token))
	role := ""
	for _, k := range keys {
		if subtle.ConstantTimeCompare(sum[:], k.hash) == 1 {
			role = k.role
		}
	}
	return role
}
