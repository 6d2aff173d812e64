package main

import (
	"context"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/server/common/api"
	"go.temporal.io/server/common/authorization"
)

// The three kinds of caller. A certificate's role is the part of its subject's common name after the prefix
// (default "m365-"): CN=m365-worker, CN=m365-people, CN=m365-admin. Anything else has no role and is refused.
const (
	roleWorker = "worker" // the project's worker processes: poll and complete tasks, and everything people may do
	rolePeople = "people" // the CLI people run: start, signal, update, query, list, describe; never take tasks
	roleAdmin  = "admin"  // operators: namespaces, search attributes, cluster settings
)

type certificateRoleMapper struct{ prefix string }

func newCertificateRoleMapper(prefix string) authorization.ClaimMapper {
	if prefix == "" {
		prefix = "m365-"
	}
	return &certificateRoleMapper{prefix: prefix}
}

// GetClaims reads the role from the verified client certificate; the server has already checked it against
// the client CA, so its subject is trustworthy. A call without a certificate gets no claims.
func (m *certificateRoleMapper) GetClaims(info *authorization.AuthInfo) (*authorization.Claims, error) {
	claims := &authorization.Claims{AuthType: "mtls"}
	if info == nil || info.TLSSubject == nil {
		return claims, nil
	}
	cn := info.TLSSubject.CommonName
	claims.Subject = cn
	if role, ok := strings.CutPrefix(cn, m.prefix); ok {
		switch role {
		case roleWorker, rolePeople, roleAdmin:
			claims.Extensions = role
		}
	}
	return claims, nil
}

// AuthInfoRequired: claims come from the certificate even when a call carries no token.
func (m *certificateRoleMapper) AuthInfoRequired() bool { return true }

type roleAuthorizer struct{}

func newRoleAuthorizer() authorization.Authorizer { return &roleAuthorizer{} }

// Task APIs: whoever calls these receives or completes the project's workflow and activity tasks, i.e. runs
// the project's code with its inputs. Only the worker role may.
var taskAPIs = []string{
	"PollWorkflowTaskQueue", "PollActivityTaskQueue", "PollNexusTaskQueue",
	"RespondWorkflowTask", "RespondActivityTask", "RespondQueryTaskCompleted", "RespondNexusTask",
	"RecordActivityTaskHeartbeat", "ResetStickyTaskQueue", "UpdateActivityOptions",
	"ShutdownWorker", "RecordWorkerHeartbeat",
}

func isTaskAPI(fullName string) bool {
	method := api.MethodName(fullName)
	for _, prefix := range taskAPIs {
		if strings.HasPrefix(method, prefix) {
			return true
		}
	}
	return false
}

func allow(claims *authorization.Claims) authorization.Result {
	return authorization.Result{
		Decision:  authorization.DecisionAllow,
		Principal: &commonpb.Principal{Type: claims.AuthType, Name: claims.Subject},
	}
}

var deny = authorization.Result{Decision: authorization.DecisionDeny}

func (a *roleAuthorizer) Authorize(_ context.Context, claims *authorization.Claims, target *authorization.CallTarget) (authorization.Result, error) {
	if authorization.IsHealthCheckAPI(target.APIName) {
		return authorization.Result{Decision: authorization.DecisionAllow}, nil
	}
	if claims == nil {
		return deny, nil
	}
	role, _ := claims.Extensions.(string)
	if role == roleAdmin {
		return allow(claims), nil
	}
	metadata := api.GetMethodMetadata(target.APIName)
	// Workers and people never administer namespaces or the cluster; outside a namespace they may only read
	// (the SDKs ask for the cluster's capabilities and search attributes).
	if metadata.Access == api.AccessAdmin || (metadata.Scope != api.ScopeNamespace && metadata.Access != api.AccessReadOnly) {
		return deny, nil
	}
	switch role {
	case roleWorker:
		return allow(claims), nil
	case rolePeople:
		if isTaskAPI(target.APIName) {
			return deny, nil
		}
		return allow(claims), nil
	}
	return deny, nil
}
