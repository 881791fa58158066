package survey

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Audit actions. The admin page filters on their prefixes.
const (
	AuditSignIn                 = "auth.signin"
	AuditSignInFailed           = "auth.signin_failed"
	AuditSignInThrottled        = "auth.signin_throttled"
	AuditSignOut                = "auth.signout"
	AuditForbidden              = "authz.forbidden"
	AuditPasswordChanged        = "account.password_changed"
	AuditPasswordReset          = "account.password_reset"
	AuditAccountCreated         = "account.created"
	AuditAccountDisabled        = "account.disabled"
	AuditAccountEnabled         = "account.enabled"
	AuditDeptCreated            = "department.created"
	AuditDeptUpdated            = "department.updated"
	AuditDeptDeactivated        = "department.deactivated"
	AuditDeptActivated          = "department.activated"
	AuditDeptImported           = "department.imported"
	AuditDeptImportFailed       = "department.import_failed"
	AuditInstrumentImported     = "instrument.imported"
	AuditInstrumentPublished    = "instrument.published"
	AuditInstrumentRefused      = "instrument.refused"
	AuditCampaignCreated        = "campaign.created"
	AuditCampaignStatus         = "campaign.status"
	AuditCampaignAssigned       = "campaign.assigned"
	AuditCampaignProfilesOpen   = "campaign.profiles_open" // officials may read other departments' profiles
	AuditExported               = "export.created"         // a scorecard, workbook, PDF or CSV of a run
	AuditExportRefused          = "export.refused"         // an export of a department the account may not see
	AuditDraftSaved             = "response.draft_saved"
	AuditResponseSubmitted      = "response.submitted"
	AuditResponseReturned       = "response.returned"
	AuditResponseApproved       = "response.approved"
	AuditResponseReopened       = "response.reopened"
	AuditResponsesExported      = "response.exported"
	AuditRatingLinkCreated      = "rating.link_created"
	AuditCalendarChanged        = "rating.calendar_changed"
	AuditRectificationResponded = "rectification.responded"
	AuditRectificationAccepted  = "rectification.accepted"
	AuditRectificationReturned  = "rectification.returned"
	AuditMetricsImported        = "imports.metrics"
	AuditRatingsImported        = "imports.ratings"
	AuditImportRefused          = "imports.refused"
	AuditImportRolledBack       = "imports.rolled_back"
	AuditAssessmentComputed     = "assessment.computed"
	AuditAssessmentPublished    = "assessment.published"
	AuditFrameworkSaved         = "framework.saved"   // a new framework version (loaded, derived or the built-in's row)
	AuditFrameworkRefused       = "framework.refused" // a framework file refused, nothing stored
)

// AuditEntry is one line of the audit log. Detail never holds passwords,
// tokens or free-text answers.
type AuditEntry struct {
	ID         int64         `db:"id"`
	At         time.Time     `db:"at"`
	ActorID    sql.NullInt64 `db:"actor_id"`
	ActorName  string        `db:"actor_name"`
	Action     string        `db:"action"`
	ObjectType string        `db:"object_type"`
	ObjectID   string        `db:"object_id"`
	Detail     string        `db:"detail"`
	ClientIP   string        `db:"client_ip"`
	RequestID  string        `db:"request_id"`
}

type actorKey struct{}

// WithActor returns a context whose store changes are audited as done by e's
// actor (ActorID, ActorName, ClientIP, RequestID); the web layer sets it for
// every request and the command line sets ActorName "cli".
func WithActor(ctx context.Context, e AuditEntry) context.Context {
	return context.WithValue(ctx, actorKey{}, e)
}

// auditChange writes the audit row of a change inside the change's own
// transaction, so a change is never stored without its audit row.
func (db *DB) auditChange(ctx context.Context, tx *sqlx.Tx, action, objType, objID, detail string) error {
	e, _ := ctx.Value(actorKey{}).(AuditEntry)
	e.Action, e.ObjectType, e.ObjectID, e.Detail = action, objType, objID, detail
	e.At = time.Time{}
	return db.audit(ctx, tx, e)
}

// Audit appends an entry in its own transaction.
func (db *DB) Audit(ctx context.Context, e AuditEntry) error {
	return db.inTx(ctx, func(tx *sqlx.Tx) error { return db.audit(ctx, tx, e) })
}

func (db *DB) audit(ctx context.Context, tx *sqlx.Tx, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	_, err := db.write(ctx, tx, "audit-insert").ExecContext(ctx, e.At, e.ActorID, e.ActorName, e.Action,
		e.ObjectType, e.ObjectID, e.Detail, e.ClientIP, e.RequestID)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditFilter selects audit entries, newest first, in pages keyed by id.
type AuditFilter struct {
	Action   string // prefix, e.g. "auth."
	Actor    string
	BeforeID int64
	Limit    int
}

// FindAudit returns one page of the audit log, newest first.
func (db *DB) FindAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	prefix := ""
	if f.Action != "" {
		prefix = f.Action + "%" // a whitelisted prefix; _ matching itself is harmless
	}
	var out []AuditEntry
	err := db.read("audit-find").SelectContext(ctx, &out, f.Action, prefix, f.Actor, f.Actor, f.BeforeID, f.BeforeID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("find audit: %w", err)
	}
	return out, nil
}
