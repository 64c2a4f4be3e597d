-- The W3C trace context of the request that created a job, carried to every run of it so that job
-- spans join that request's trace. Columns rather than fields of the payload: the payload is the
-- handler's input (and the idempotent effect's key), the trace context is metadata the relay copies
-- without parsing it, and rows written before this migration (or with tracing off) simply have none.
alter table job_outbox add column traceparent text, add column tracestate text;
