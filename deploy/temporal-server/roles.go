package main

import (
	"context"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/server/common/api"
	"go.temporal.io/server/common/authorization"
)

// The three kinds of caller, read from the verified client certificate's organizational unit (OU). Anything else
// has no role and is refused everything but health checks.
const (
	roleWorker   = "worker"   // OU=m365-workers: the project's worker processes take and complete tasks
	rolePeople   = "people"   // OU=m365-people: the CLI people run starts, decides, asks; never takes tasks
	roleOperator = "operator" // OU=m365-operators: namespaces, search attributes, schedules, terminate, versioning
)

var unitRoles = map[string]string{
	"m365-workers":   roleWorker,
	"m365-people":    rolePeople,
	"m365-operators": roleOperator,
}

type certificateRoleMapper struct{ apiKeys []apiKey }

func newCertificateRoleMapper(apiKeys []apiKey) authorization.ClaimMapper {
	return &certificateRoleMapper{apiKeys: apiKeys}
}

// GetClaims reads the role from an API key, or else from the client certificate the server has already verified
// against its client CA, so the subject is trustworthy. Without either, or with an unknown unit, no role.
func (m *certificateRoleMapper) GetClaims(info *authorization.AuthInfo) (*authorization.Claims, error) {
	claims := &authorization.Claims{AuthType: "mtls"}
	if info == nil {
		return claims, nil
	}
	if role := roleOfToken(m.apiKeys, info.AuthToken); role != "" {
		return &authorization.Claims{AuthType: "api_key", Subject: "api-key:" + role, Extensions: role}, nil
	}
	if info.TLSSubject == nil {
		return claims, nil
	}
	claims.Subject = info.TLSSubject.CommonName
	role := ""
	for _, unit := range info.TLSSubject.OrganizationalUnit {
		if r, ok := unitRoles[unit]; ok {
			if role != "" && role != r {
				return claims, nil // a certificate naming two roles gets none
			}
			role = r
		}
	}
	if role != "" {
		claims.Extensions = role
	}
	return claims, nil
}

// AuthInfoRequired: claims come from the certificate even when a call carries no token.
func (m *certificateRoleMapper) AuthInfoRequired() bool { return true }

const (
	workflowService = api.WorkflowServicePrefix
	operatorService = api.OperatorServicePrefix
)

func names(prefix string, methods ...string) map[string]bool {
	out := make(map[string]bool, len(methods))
	for _, m := range methods {
		out[prefix+m] = true
	}
	return out
}

func union(sets ...map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, s := range sets {
		for k := range s {
			out[k] = true
		}
	}
	return out
}

// Reading a run's state: people (status, the inbox) and workers (a reclamation's result, history pages).
var readRuns = names(workflowService,
	"QueryWorkflow", "DescribeWorkflowExecution", "GetWorkflowExecutionHistory", "GetWorkflowExecutionHistoryReverse",
	"GetSystemInfo", "GetClusterInfo", "DescribeNamespace", "GetSearchAttributes",
)

// Taking and completing tasks runs the project's code with its inputs: workers only. The …ById completions are
// here too: with them one could complete a task by workflow and activity id without ever polling.
var taskAPIs = names(workflowService,
	"PollWorkflowTaskQueue", "RespondWorkflowTaskCompleted", "RespondWorkflowTaskFailed",
	"PollActivityTaskQueue", "RespondActivityTaskCompleted", "RespondActivityTaskCompletedById",
	"RespondActivityTaskFailed", "RespondActivityTaskFailedById", "RespondActivityTaskCanceled", "RespondActivityTaskCanceledById",
	"RecordActivityTaskHeartbeat", "RecordActivityTaskHeartbeatById", "RespondQueryTaskCompleted", "ResetStickyTaskQueue",
	"ShutdownWorker", "RecordWorkerHeartbeat", "FetchWorkerConfig", "PollNexusTaskQueue", "RespondNexusTaskCompleted", "RespondNexusTaskFailed",
)

// What people do through the CLI: request, decide, cancel, list, and read.
var peopleAPIs = union(readRuns, names(workflowService,
	"StartWorkflowExecution", "SignalWithStartWorkflowExecution", "SignalWorkflowExecution",
	"UpdateWorkflowExecution", "PollWorkflowExecutionUpdate", "RequestCancelWorkflowExecution",
	"ListWorkflowExecutions", "CountWorkflowExecutions",
), names(operatorService, "ListSearchAttributes"))

var workerAPIs = union(readRuns, taskAPIs)

type roleAuthorizer struct{}

func newRoleAuthorizer() authorization.Authorizer { return &roleAuthorizer{} }

func allow(claims *authorization.Claims) authorization.Result {
	return authorization.Result{
		Decision:  authorization.DecisionAllow,
		Principal: &commonpb.Principal{Type: claims.AuthType, Name: claims.Subject},
	}
}

var deny = authorization.Result{Decision: authorization.DecisionDeny}

// Authorize allows by role and API name, and denies by default: an API a later server adds is refused to
// workers and people until someone decides which role needs it.
func (a *roleAuthorizer) Authorize(_ context.Context, claims *authorization.Claims, target *authorization.CallTarget) (authorization.Result, error) {
	if authorization.IsHealthCheckAPI(target.APIName) {
		return authorization.Result{Decision: authorization.DecisionAllow}, nil
	}
	if claims == nil {
		return deny, nil
	}
	// The internal frontend serves only the server's own system worker (schedules, scanners): Temporal maps its
	// callers to the system admin role. The public frontend's mapper above never sets a system role.
	if claims.System&authorization.RoleAdmin != 0 {
		return allow(claims), nil
	}
	role, _ := claims.Extensions.(string)
	switch {
	case role == roleOperator:
		return allow(claims), nil
	case role == roleWorker && workerAPIs[target.APIName]:
		return allow(claims), nil
	case role == rolePeople && peopleAPIs[target.APIName]:
		return allow(claims), nil
	}
	return deny, nil
}
