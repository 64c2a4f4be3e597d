-- One ordered log of changes per room. A message's creation is its own position: the message id,
-- so cursors that clients already hold (message ids) stay valid positions. Later changes of a
-- message (an edit, a delete) take the next value of the same sequence, under the room's row lock
-- like a post, so the positions of one room become visible in increasing order and a reader
-- resuming "after position N" misses nothing and sees nothing twice.
alter table messages
    add column edited_at  timestamptz,
    -- A deleted message is a tombstone: the row (and its id) stays, the text is emptied.
    add column deleted_at timestamptz,
    -- Who deleted it: the author or the room's creator.
    add column deleted_by bigint references users (id);

create table message_changes (
    position   bigint      primary key default nextval('messages_id_seq'),
    room_id    bigint      not null references rooms (id) on delete cascade,
    message_id bigint      not null references messages (id) on delete cascade,
    kind       text        not null check (kind in ('updated', 'deleted')),
    at         timestamptz not null default now()
);
-- Replay: WHERE room_id = ? AND position > ? ORDER BY position, merged with messages_room_id.
create index message_changes_room on message_changes (room_id, position);

-- How far each user has read each room, as a position; it never moves back.
create table read_markers (
    user_id    bigint      not null references users (id) on delete cascade,
    room_id    bigint      not null references rooms (id) on delete cascade,
    up_to      bigint      not null,
    updated_at timestamptz not null default now(),
    primary key (user_id, room_id)
);
