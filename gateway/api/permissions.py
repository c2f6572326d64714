"""The permission table: which roles may call which operation (by its OpenAPI operation id).

Every route has exactly one row here and every row names a route (a test walks both ways,
and every role against every route). A requester's reads are further narrowed to their own
calls by the routes themselves.
"""

from gateway.api.roles import Role

_R, _O, _C, _M = (
    Role.REQUESTER,
    Role.OPERATOR,
    Role.WORKFLOW_COORDINATOR,
    Role.WORKFLOW_MANAGER,
)
_S, _A, _U, _P = Role.SERVICE_MANAGER, Role.TENANT_ADMIN, Role.AUDITOR, Role.PLATFORM_ADMIN

STAFF = frozenset({_O, _C, _M, _S, _A})
READERS = STAFF | {_U}
DESK = frozenset({_O, _C, _M})
COORDINATION = frozenset({_C, _M})
AGREE = frozenset({_S, _M})

PERMISSIONS: dict[str, frozenset[Role]] = {
    # platform
    "createTenant": frozenset({_P}),
    "listTenants": frozenset({_P}),
    # shared USM patterns: any authenticated caller (checked by the route's dependency)
    "listWorkflowTemplates": frozenset(Role),
    # organization
    "getOrganization": READERS,
    "addTeam": frozenset({_A}),
    "assignProfile": frozenset({_A}),
    "publishClassificationScheme": frozenset({_A, _M}),
    "setReportingConsent": frozenset({_A}),
    # service catalog
    "listServices": READERS | {_R},
    "getService": READERS | {_R},
    "registerService": frozenset({_S, _A}),
    "retireService": frozenset({_S, _A}),
    # agreements
    "listAgreements": READERS,
    "getAgreement": READERS,
    # MIR
    "listMics": READERS,
    "getMic": READERS,
    "getMicHistory": READERS,
    # calls: reading
    "listCalls": READERS | {_R},
    "getCall": READERS | {_R},
    "getCallTimeline": READERS | {_R},
    "getWorkflowTree": READERS,
    # calls: intake
    "submitCall": frozenset({_R, _O, _C, _M, _S}),
    "acceptCall": DESK,
    "classifyCall": DESK,
    "linkCall": DESK,
    # Agree
    "specifyService": AGREE,
    "draftOffer": AGREE,
    "recordNegotiationRound": AGREE,
    "reachAgreement": AGREE,
    "failNegotiation": AGREE,
    "putAgreementsInForce": AGREE,
    # Change
    "planChange": DESK,
    "prepareChange": DESK,
    "testAndRelease": DESK,
    "updateMir": DESK,
    # Recover
    "analyzeIncident": DESK,
    "prepareRecovery": DESK,
    # Operate
    "planActivities": DESK,
    "logMonitoringEvent": DESK,
    "executeActivities": DESK,
    # Improve
    "assessRisk": DESK,
    "determineCause": DESK,
    "selectMeasure": DESK,
    # workflow
    "forkCall": COORDINATION,
    "verifyWithRequester": COORDINATION | {_R},
    "evaluateCall": COORDINATION,
    "closeCall": COORDINATION,
    "abortCall": COORDINATION,
}


def allowed_roles(operation_id: str) -> frozenset[Role]:
    """The roles that may call ``operation_id``; none for an operation not in the table."""
    return PERMISSIONS.get(operation_id, frozenset())
