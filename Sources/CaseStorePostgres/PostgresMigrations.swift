import CaseEngine

/// The PostgreSQL schema's migrations, in order, versioned like the SQLite store's: each runs
/// once, in its own transaction, recorded in `schema_migrations`. Several servers starting at once
/// take an advisory lock first, so one migrates and the others find the work done.
///
/// The tables mirror the SQLite store's final schema (docs/case-engine.md), column for column, so
/// that `onego db copy` moves every row unchanged; booleans are `boolean` and attachments `bytea`.
/// One table exists only here: `audit_head`, the chain's last event, whose row lock serialises the
/// appends of every process (docs/operations.md).
enum PostgresMigrations {
    /// The advisory lock key migrations are taken under ("onego" in ASCII).
    static let lockKey: Int64 = 0x6F6E_6567_6F00

    static let all: [(name: String, sql: [String])] = [
        (
            "v1-cases",
            [
                """
                CREATE TABLE case_sequences (day text PRIMARY KEY, last bigint NOT NULL)
                """,
                """
                CREATE TABLE plans (
                    id bigserial PRIMARY KEY, hash text NOT NULL UNIQUE, bundle text NOT NULL,
                    version text NOT NULL, compiled text NOT NULL)
                """,
                """
                CREATE TABLE plan_subcases (
                    plan_id bigint NOT NULL REFERENCES plans(id), position integer NOT NULL, item text NOT NULL,
                    item_name_zh text NOT NULL, item_name_en text NOT NULL, department text NOT NULL,
                    department_name_zh text NOT NULL, department_name_en text NOT NULL, kind text NOT NULL,
                    promised_days integer NOT NULL, legal_days integer, early_start boolean NOT NULL,
                    after_items text NOT NULL, input_flows text NOT NULL, output_elements text NOT NULL,
                    dependant_items text NOT NULL, fields text NOT NULL, materials text NOT NULL,
                    PRIMARY KEY (plan_id, position))
                """,
                """
                CREATE TABLE cases (
                    number text PRIMARY KEY, query_code text NOT NULL, bundle text NOT NULL, version text NOT NULL,
                    bundle_name_zh text NOT NULL, bundle_name_en text NOT NULL,
                    plan_hash text NOT NULL REFERENCES plans(hash), status text NOT NULL,
                    withdrawn boolean NOT NULL DEFAULT false, applicant_name text NOT NULL,
                    applicant_id_number text NOT NULL, applicant_phone text NOT NULL, channel text NOT NULL,
                    channel_id text NOT NULL, idempotency_key text NOT NULL UNIQUE, fingerprint text NOT NULL,
                    answers text NOT NULL, submitted_on text NOT NULL, submitted_at text NOT NULL,
                    promised_date text NOT NULL, promised_provisional boolean NOT NULL, handed_out_at text,
                    closed_on text, form text NOT NULL, materials text NOT NULL, handed_out_to_name text,
                    handed_out_to_id_number text)
                """,
                "CREATE INDEX cases_by_applicant_id ON cases (applicant_id_number, number)",
                "CREATE INDEX cases_by_applicant_name ON cases (applicant_name, number)",
                "CREATE INDEX cases_by_applicant_phone ON cases (applicant_phone, number)",
                "CREATE INDEX cases_by_day ON cases (submitted_on, number)",
                "CREATE INDEX cases_by_status ON cases (status, number)",
                """
                CREATE TABLE attachments (
                    id bigserial PRIMARY KEY, case_number text NOT NULL REFERENCES cases(number),
                    material text NOT NULL, sha256 text NOT NULL, size bigint NOT NULL, media_type text NOT NULL,
                    content bytea NOT NULL, added_at text NOT NULL)
                """,
                "CREATE INDEX attachments_by_case ON attachments (case_number, material)",
                """
                CREATE TABLE subcases (
                    id text PRIMARY KEY, case_number text NOT NULL REFERENCES cases(number),
                    plan_id bigint NOT NULL, position integer NOT NULL, department text NOT NULL,
                    state text NOT NULL, resume_state text, released boolean NOT NULL, inputs text NOT NULL,
                    outputs text NOT NULL, dispatched_on text, due_date text, due_provisional boolean NOT NULL,
                    days_used_before_pause integer NOT NULL, paused_days integer NOT NULL, paused_on text,
                    finished_on text, reason text, reviewed_by text,
                    FOREIGN KEY (plan_id, position) REFERENCES plan_subcases (plan_id, position))
                """,
                "CREATE INDEX subcases_by_case ON subcases (case_number, position)",
                "CREATE INDEX subcases_by_department ON subcases (department, finished_on, id)",
                "CREATE INDEX subcases_by_due_date ON subcases (finished_on, due_date, id)",
                """
                CREATE TABLE corrections (
                    id bigserial PRIMARY KEY, subcase_id text NOT NULL REFERENCES subcases(id),
                    requested_on text NOT NULL, materials text NOT NULL, fields text NOT NULL, note text NOT NULL,
                    supplied_materials text NOT NULL, supplied_fields text NOT NULL, resolved_on text)
                """,
                "CREATE INDEX corrections_open ON corrections (subcase_id) WHERE resolved_on IS NULL",
                """
                CREATE TABLE outbox (
                    id bigserial PRIMARY KEY, department text NOT NULL, subcase_id text NOT NULL, kind text NOT NULL,
                    created_at text NOT NULL, delivered_at text)
                """,
                "CREATE INDEX outbox_pending ON outbox (department, subcase_id) WHERE delivered_at IS NULL",
                """
                CREATE TABLE events (
                    seq bigint PRIMARY KEY, at text NOT NULL, actor text NOT NULL, role text NOT NULL,
                    action text NOT NULL, case_number text NOT NULL, subcase_id text NOT NULL, before text NOT NULL,
                    after text NOT NULL, detail text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL,
                    keyed boolean NOT NULL, via text NOT NULL, request_id text NOT NULL)
                """,
                "CREATE INDEX events_by_case ON events (case_number, seq)",
                """
                CREATE TABLE audit_head (
                    one boolean PRIMARY KEY DEFAULT true CHECK (one), seq bigint NOT NULL, hash text NOT NULL)
                """,
                "INSERT INTO audit_head (one, seq, hash) VALUES (true, 0, '\(AuditChain.genesis)')",
                """
                CREATE TABLE ratings (
                    case_number text PRIMARY KEY REFERENCES cases(number),
                    grade integer NOT NULL CHECK (grade BETWEEN 1 AND 5), channel_id text NOT NULL,
                    rated_at text NOT NULL)
                """,
            ]
        ),
        (
            "v2-access",
            [
                """
                CREATE TABLE clients (
                    id text PRIMARY KEY, kind text NOT NULL, scope text NOT NULL, secret_hash text NOT NULL,
                    enrolled_at text NOT NULL, revoked boolean NOT NULL DEFAULT false)
                """,
                """
                CREATE TABLE staff (
                    id text PRIMARY KEY, name text NOT NULL, role text NOT NULL, department text NOT NULL,
                    site text NOT NULL, password_hash text NOT NULL, failed_logins integer NOT NULL DEFAULT 0,
                    last_failure_at bigint NOT NULL DEFAULT 0, disabled boolean NOT NULL DEFAULT false)
                """,
                """
                CREATE TABLE sessions (
                    token_hash text PRIMARY KEY, account text NOT NULL REFERENCES staff(id),
                    created_at bigint NOT NULL, expires_at bigint NOT NULL)
                """,
                "CREATE INDEX sessions_by_expiry ON sessions (expires_at)",
                """
                CREATE TABLE query_failures (
                    case_number text PRIMARY KEY, failures integer NOT NULL, last_at bigint NOT NULL)
                """,
                """
                CREATE TABLE idempotent_responses (
                    key text PRIMARY KEY, fingerprint text NOT NULL, status integer NOT NULL, body text NOT NULL,
                    stored_at bigint NOT NULL)
                """,
            ]
        ),
        (
            "v3-webhooks",
            [
                "ALTER TABLE outbox ADD COLUMN state text NOT NULL DEFAULT ''",
                "CREATE INDEX outbox_by_department ON outbox (department, id)",
                """
                CREATE TABLE webhook_endpoints (
                    id text PRIMARY KEY, department text NOT NULL, url text NOT NULL, events text NOT NULL,
                    secret text NOT NULL, previous_secret text, previous_secret_until bigint, status text NOT NULL,
                    disabled_reason text, created_at bigint NOT NULL)
                """,
                "CREATE INDEX webhook_endpoints_by_department ON webhook_endpoints (department)",
                """
                CREATE TABLE deliveries (
                    id bigserial PRIMARY KEY, outbox_id bigint NOT NULL REFERENCES outbox(id),
                    endpoint_id text NOT NULL REFERENCES webhook_endpoints(id), subcase_id text NOT NULL,
                    status text NOT NULL DEFAULT 'pending', attempts integer NOT NULL DEFAULT 0,
                    next_attempt_at bigint NOT NULL DEFAULT 0, locked_until bigint NOT NULL DEFAULT 0,
                    last_status integer, last_error text)
                """,
                "CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'pending'",
                """
                CREATE INDEX deliveries_in_order ON deliveries (endpoint_id, subcase_id, id) WHERE status = 'pending'
                """,
                "CREATE INDEX deliveries_by_status ON deliveries (status, id)",
                "CREATE INDEX deliveries_by_event ON deliveries (outbox_id)",
                // A queue: finished rows leave dead entries at the head of the due index that every
                // claim steps over until a vacuum; vacuum it early and often.
                """
                ALTER TABLE deliveries SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
                    autovacuum_vacuum_cost_delay = 0)
                """,
            ]
        ),
        (
            "v4-rating-follow-ups",
            [
                // What supervisors did about bad ratings (差评回访整改); a rating counts as followed up
                // by one recorded at or after it was given.
                """
                CREATE TABLE rating_follow_ups (
                    id bigserial PRIMARY KEY, case_number text NOT NULL REFERENCES cases(number),
                    followed_up_by text NOT NULL, followed_up_at text NOT NULL, note text NOT NULL)
                """,
                "CREATE INDEX rating_follow_ups_by_case ON rating_follow_ups (case_number, followed_up_at)",
            ]
        ),
        ("v5-supervision-tally", PostgresSupervisionTally.schema),
    ]
}
