create table users (
    id            bigserial primary key,
    username      text        not null unique,
    password_hash text        not null,
    created_at    timestamptz not null default now()
);

create table rooms (
    id            bigserial primary key,
    name          text        not null,
    topic         text,
    created_by    bigint      not null references users (id),
    created_at    timestamptz not null default now(),
    -- Denormalised and locked by every post: serialises the posts of one room so that message ids
    -- within a room become visible in increasing order (readers resuming "after id N" miss nothing).
    member_count  integer     not null default 0,
    message_count bigint      not null default 0
);

create table memberships (
    room_id   bigint      not null references rooms (id) on delete cascade,
    user_id   bigint      not null references users (id) on delete cascade,
    joined_at timestamptz not null default now(),
    primary key (room_id, user_id)
);
create index memberships_user on memberships (user_id);

create table messages (
    id         bigserial primary key,
    room_id    bigint      not null references rooms (id) on delete cascade,
    user_id    bigint      not null references users (id),
    text       text        not null,
    created_at timestamptz not null default now()
);
-- Keyset pagination and replay: WHERE room_id = ? AND id > ? ORDER BY id.
create index messages_room_id on messages (room_id, id);

create table idempotency_keys (
    user_id    bigint      not null references users (id) on delete cascade,
    key        text        not null,
    room_id    bigint      not null,
    message_id bigint      references messages (id) on delete cascade,
    created_at timestamptz not null default now(),
    primary key (user_id, key)
);
create index idempotency_keys_created on idempotency_keys (created_at);
