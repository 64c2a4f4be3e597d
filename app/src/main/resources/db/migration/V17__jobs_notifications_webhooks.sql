-- Transactional outbox: a post inserts its jobs here in its own transaction; the relay moves them to
-- the Redis stream of their type and deletes a row only once the stream holds it.
create table job_outbox (
    id         bigserial primary key,
    job_id     text        not null unique,
    type       text        not null,
    payload    text        not null,
    created_at timestamptz not null default now()
);

-- One notification per message and user, whatever the number of times the job runs.
create table notifications (
    id         bigserial primary key,
    user_id    bigint      not null references users (id) on delete cascade,
    room_id    bigint      not null references rooms (id) on delete cascade,
    message_id bigint      not null references messages (id) on delete cascade,
    created_at timestamptz not null default now(),
    unique (message_id, user_id)
);
create index notifications_user on notifications (user_id, id);

-- How far each user has read: notifications with a greater id are unread.
create table notification_reads (
    user_id bigint primary key references users (id) on delete cascade,
    up_to   bigint not null
);

create table webhooks (
    id                   bigserial primary key,
    room_id              bigint      not null references rooms (id) on delete cascade,
    url                  text        not null,
    -- The raw signing key (it must be read back to sign); shown to the creator once, as whsec_<base64>.
    secret               bytea       not null,
    created_by           bigint      not null references users (id),
    created_at           timestamptz not null default now(),
    consecutive_failures integer     not null default 0,
    disabled_at          timestamptz,
    disabled_reason      text
);
create index webhooks_room on webhooks (room_id);

create table webhook_deliveries (
    id          bigserial primary key,
    webhook_id  bigint      not null references webhooks (id) on delete cascade,
    job_id      text        not null,
    message_id  bigint      not null,
    attempt     integer     not null,
    status      integer,
    duration_ms integer     not null,
    error       text,
    succeeded   boolean     not null,
    created_at  timestamptz not null default now()
);
create index webhook_deliveries_webhook on webhook_deliveries (webhook_id, id);
-- A job that already delivered is not delivered again when it runs twice.
create unique index webhook_deliveries_once on webhook_deliveries (job_id) where succeeded;
