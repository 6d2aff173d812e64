// The Temporal server this project deploys: Temporal's own server (SQL persistence, every service in one
// process) with one addition, an authorizer that gives each mTLS client certificate one of three roles.
// Without it any holder of a client certificate could poll the project's task queues and run its activities.
package main

import (
	"flag"
	"fmt"
	"os"
	_ "time/tzdata" // the server needs time zones for schedules; embed them for minimal images

	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql" // PostgreSQL persistence
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"     // SQLite, for local trials
	"go.temporal.io/server/temporal"
)

func main() {
	configFile := flag.String("config-file", "", "server configuration YAML (persistence, ports, TLS)")
	authMode := flag.String("authorizer", "roles", `"roles": a role per mTLS client certificate (OU=m365-workers, m365-people, m365-operators); "none": allow every caller`)
	flag.Parse()
	if *configFile == "" || (*authMode != "roles" && *authMode != "none") {
		fmt.Fprintln(os.Stderr, "usage: temporal-server --config-file FILE [--authorizer roles|none]")
		os.Exit(2)
	}
	cfg, err := config.Load(config.WithConfigFile(*configFile))
	if err != nil {
		fmt.Fprintf(os.Stderr, "Cannot load %s: %v\n", *configFile, err)
		os.Exit(1)
	}
	logger := log.NewZapLogger(log.BuildZapLogger(cfg.Log))

	var authorizer authorization.Authorizer = authorization.NewNoopAuthorizer()
	var mapper authorization.ClaimMapper = authorization.NewNoopClaimMapper()
	if *authMode == "roles" {
		authorizer = newRoleAuthorizer()
		keys, err := loadAPIKeys(os.Getenv("TEMPORAL_API_KEYS_FILE"))
		if err != nil {
			fmt.Fprintf(os.Stderr, "Cannot read the API keys: %v\n", err)
			os.Exit(1)
		}
		mapper = newCertificateRoleMapper(keys)
	}
	// The internal frontend serves the server's own system worker (schedules, scanners) without client
	// certificates or keys; it listens on localhost only. Started when the configuration names it.
	services := append([]string{}, temporal.DefaultServices...)
	if _, ok := cfg.Services["internal-frontend"]; ok {
		services = append(services, "internal-frontend")
	}
	server, err := temporal.NewServer(
		temporal.ForServices(services),
		temporal.WithConfig(cfg),
		temporal.WithLogger(logger),
		temporal.InterruptOn(temporal.InterruptCh()),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return mapper }),
	)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Cannot create the server: %v\n", err)
		os.Exit(1)
	}
	if err := server.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "Cannot start the server: %v\n", err)
		os.Exit(1)
	}
}
