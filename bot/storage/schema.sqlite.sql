-- revision: 0028
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE communities (
	id INTEGER NOT NULL, 
	platform VARCHAR(16) NOT NULL, 
	external_id VARCHAR(64) NOT NULL, 
	timezone VARCHAR(64), 
	languages VARCHAR(64), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_communities PRIMARY KEY (id), 
	CONSTRAINT uq_communities_platform_external_id UNIQUE (platform, external_id)
);
CREATE TABLE outbox (
	id INTEGER NOT NULL, 
	platform VARCHAR(16) NOT NULL, 
	lane VARCHAR(200) NOT NULL, 
	payload TEXT NOT NULL, 
	status VARCHAR(8) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	created_at DATETIME NOT NULL, 
	sent_at DATETIME, 
	delivered_id VARCHAR(128), 
	last_error VARCHAR(500), sending_since DATETIME, lease_owner VARCHAR(64), lease_until DATETIME, reply_handle TEXT, reply_until DATETIME, 
	CONSTRAINT pk_outbox PRIMARY KEY (id)
);
CREATE TABLE processed_events (
	platform VARCHAR(16) NOT NULL, 
	event_id VARCHAR(128) NOT NULL, 
	received_at DATETIME NOT NULL, payload TEXT, handled_at DATETIME, attempts INTEGER DEFAULT '0' NOT NULL, 
	CONSTRAINT pk_processed_events PRIMARY KEY (platform, event_id)
);
CREATE TABLE groups (
	id INTEGER NOT NULL, 
	community_id INTEGER NOT NULL, 
	channel_id VARCHAR(64) NOT NULL, 
	purpose VARCHAR(16) NOT NULL, 
	language VARCHAR(8), 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_groups PRIMARY KEY (id), 
	CONSTRAINT fk_groups_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id), 
	CONSTRAINT uq_groups_community_id_channel_id_purpose UNIQUE (community_id, channel_id, purpose)
);
CREATE TABLE member_roles (
	community_id INTEGER NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	granted_by VARCHAR(64), 
	granted_at DATETIME NOT NULL, 
	CONSTRAINT pk_member_roles PRIMARY KEY (community_id, user_id, role), 
	CONSTRAINT fk_member_roles_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE adapter_state (
	platform VARCHAR(16) NOT NULL, 
	"key" VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_adapter_state PRIMARY KEY (platform, "key")
);
CREATE TABLE postings (
	schedule_id INTEGER NOT NULL, 
	occurrence VARCHAR(32) NOT NULL, 
	prompt_id VARCHAR(40), 
	outcome VARCHAR(12) NOT NULL, 
	at DATETIME NOT NULL, 
	CONSTRAINT pk_postings PRIMARY KEY (schedule_id, occurrence), 
	CONSTRAINT fk_postings_schedule_id_schedules FOREIGN KEY(schedule_id) REFERENCES schedules (id)
);
CREATE TABLE discussion_replies (
	discussion_id INTEGER NOT NULL, 
	message_id VARCHAR(128) NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	text TEXT NOT NULL, 
	at DATETIME NOT NULL, 
	CONSTRAINT pk_discussion_replies PRIMARY KEY (discussion_id, message_id), 
	CONSTRAINT fk_discussion_replies_discussion_id_discussions FOREIGN KEY(discussion_id) REFERENCES discussions (id)
);
CREATE TABLE discussion_reactions (
	discussion_id INTEGER NOT NULL, 
	message_id VARCHAR(128) NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	emoji VARCHAR(64) NOT NULL, 
	CONSTRAINT pk_discussion_reactions PRIMARY KEY (discussion_id, message_id, user_id, emoji), 
	CONSTRAINT fk_discussion_reactions_discussion_id_discussions FOREIGN KEY(discussion_id) REFERENCES discussions (id)
);
CREATE TABLE community_prompts (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	community_id INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	author_id VARCHAR(64), 
	author_language VARCHAR(8), 
	created_at DATETIME NOT NULL, 
	decided_at DATETIME, 
	CONSTRAINT fk_community_prompts_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE idea_notices (
	community_id INTEGER NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	waiting_since DATETIME, 
	last_sent_at DATETIME, 
	dm_off INTEGER NOT NULL, 
	platform_admin INTEGER NOT NULL, 
	CONSTRAINT pk_idea_notices PRIMARY KEY (community_id, user_id), 
	CONSTRAINT fk_idea_notices_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE member_locales (
	community_id INTEGER NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	locale VARCHAR(16) NOT NULL, 
	CONSTRAINT pk_member_locales PRIMARY KEY (community_id, user_id), 
	CONSTRAINT fk_member_locales_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE "members" (
	id INTEGER NOT NULL, 
	community_id INTEGER NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	language VARCHAR(8), 
	timezone VARCHAR(64), 
	created_at DATETIME NOT NULL, dm_off INTEGER DEFAULT '0' NOT NULL, digest_credit VARCHAR(8), quiet_hours VARCHAR(11), paused_until VARCHAR(10), 
	CONSTRAINT pk_members PRIMARY KEY (id), 
	CONSTRAINT fk_members_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id), 
	CONSTRAINT uq_members_community_id_user_id UNIQUE (community_id, user_id)
);
CREATE TABLE timers (
	id INTEGER NOT NULL, 
	feature VARCHAR(32) NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	"key" VARCHAR(128) NOT NULL, 
	due_at DATETIME NOT NULL, 
	state VARCHAR(8) NOT NULL, 
	attempts INTEGER DEFAULT '0' NOT NULL, 
	CONSTRAINT pk_timers PRIMARY KEY (id), 
	CONSTRAINT uq_timers_feature_kind_key UNIQUE (feature, kind, "key")
);
CREATE TABLE "dialogues" (
	id INTEGER NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	form TEXT NOT NULL, 
	answers TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	community_id INTEGER NOT NULL, 
	CONSTRAINT pk_dialogues PRIMARY KEY (id), 
	CONSTRAINT fk_dialogues_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id), 
	CONSTRAINT uq_dialogues_community_id_user_id UNIQUE (community_id, user_id)
);
CREATE TABLE "pending_choices" (
	id INTEGER NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	user_id VARCHAR(64), 
	buttons TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	community_id INTEGER NOT NULL, 
	CONSTRAINT pk_pending_choices PRIMARY KEY (id), 
	CONSTRAINT fk_pending_choices_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE "discussions" (
	id INTEGER NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	root VARCHAR(128) NOT NULL, 
	schedule_id INTEGER, 
	series_id VARCHAR(40) NOT NULL, 
	prompt_id VARCHAR(40) NOT NULL, 
	posted_at DATETIME NOT NULL, 
	community_id INTEGER NOT NULL, 
	CONSTRAINT pk_discussions PRIMARY KEY (id), 
	CONSTRAINT fk_discussions_schedule_id_schedules FOREIGN KEY(schedule_id) REFERENCES schedules (id), 
	CONSTRAINT fk_discussions_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id), 
	CONSTRAINT uq_discussions_community_id_channel_root UNIQUE (community_id, channel, root)
);
CREATE TABLE server_secrets (
	name VARCHAR(32) NOT NULL, 
	value TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_server_secrets PRIMARY KEY (name)
);
CREATE TABLE "schedules" (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	community_id INTEGER NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	series_id VARCHAR(40) NOT NULL, 
	weekday INTEGER NOT NULL, 
	at_time VARCHAR(5) NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	start_date VARCHAR(10) NOT NULL, 
	end_date VARCHAR(10), 
	skip_dates TEXT NOT NULL, 
	after_break VARCHAR(8) NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	next_date VARCHAR(10) NOT NULL, 
	next_index INTEGER NOT NULL, 
	next_due DATETIME NOT NULL, 
	created_by VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	every_weeks INTEGER DEFAULT '1' NOT NULL, 
	month_week INTEGER, 
	CONSTRAINT fk_schedules_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE poll_series (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	community_id INTEGER NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	template TEXT NOT NULL, 
	created_by VARCHAR(64) NOT NULL, 
	weekday INTEGER NOT NULL, 
	at_time VARCHAR(5) NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	start_date VARCHAR(10) NOT NULL, 
	every_weeks INTEGER NOT NULL, 
	month_week INTEGER, 
	status VARCHAR(10) NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT fk_poll_series_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE polls (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	community_id INTEGER NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	question TEXT NOT NULL, 
	options TEXT NOT NULL, 
	anonymous INTEGER NOT NULL, 
	max_choices INTEGER NOT NULL, 
	visibility VARCHAR(12) NOT NULL, 
	status VARCHAR(8) NOT NULL, 
	created_by VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	closes_at DATETIME, 
	remind_at DATETIME, 
	closed_at DATETIME, 
	message_id VARCHAR(128), 
	series_id INTEGER, 
	CONSTRAINT fk_polls_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id), 
	CONSTRAINT fk_polls_series_id_poll_series FOREIGN KEY(series_id) REFERENCES poll_series (id)
);
CREATE TABLE poll_ballots (
	poll_id INTEGER NOT NULL, 
	voter VARCHAR(64) NOT NULL, 
	choice INTEGER NOT NULL, 
	CONSTRAINT pk_poll_ballots PRIMARY KEY (poll_id, voter, choice), 
	CONSTRAINT fk_poll_ballots_poll_id_polls FOREIGN KEY(poll_id) REFERENCES polls (id)
);
CREATE TABLE poll_groups (
	community_id INTEGER NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	organizers_only INTEGER NOT NULL, 
	CONSTRAINT pk_poll_groups PRIMARY KEY (community_id, channel), 
	CONSTRAINT fk_poll_groups_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE office_hours (
	community_id INTEGER NOT NULL, 
	member VARCHAR(64) NOT NULL, 
	days VARCHAR(16) NOT NULL, 
	opens VARCHAR(5) NOT NULL, 
	closes VARCHAR(5) NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_office_hours PRIMARY KEY (community_id, member), 
	CONSTRAINT fk_office_hours_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE away_periods (
	id INTEGER NOT NULL, 
	community_id INTEGER NOT NULL, 
	member VARCHAR(64) NOT NULL, 
	starts DATETIME NOT NULL, 
	until DATETIME NOT NULL, 
	backup VARCHAR(64), 
	CONSTRAINT pk_away_periods PRIMARY KEY (id), 
	CONSTRAINT fk_away_periods_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE question_routes (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	community_id INTEGER NOT NULL, 
	topic VARCHAR(32), 
	grade VARCHAR(8), 
	language VARCHAR(8), 
	liaison_id VARCHAR(64) NOT NULL, 
	backup_id VARCHAR(64), 
	reply_within_minutes INTEGER, 
	created_by VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, escalate_to VARCHAR(64), escalate_role VARCHAR(16), 
	CONSTRAINT fk_question_routes_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE question_liaisons (
	community_id INTEGER NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	named BOOLEAN NOT NULL, 
	CONSTRAINT pk_question_liaisons PRIMARY KEY (community_id, user_id), 
	CONSTRAINT fk_question_liaisons_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE questions (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	community_id INTEGER NOT NULL, 
	asker_id VARCHAR(64), 
	asker_token VARCHAR(32), 
	asker_sealed TEXT, 
	asker_language VARCHAR(8) NOT NULL, 
	text TEXT NOT NULL, 
	topic VARCHAR(32) NOT NULL, 
	grade VARCHAR(8), 
	language VARCHAR(8) NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	route_id INTEGER, 
	liaison_id VARCHAR(64), 
	backup_id VARCHAR(64), 
	claimed_at DATETIME, 
	reply_within_minutes INTEGER NOT NULL, 
	due_at DATETIME, 
	remind_at DATETIME, 
	paused_at DATETIME, 
	paused_seconds INTEGER NOT NULL, 
	escalation INTEGER NOT NULL, 
	reminded BOOLEAN NOT NULL, 
	card_channel VARCHAR(64), 
	card_message VARCHAR(128), 
	close_reason VARCHAR(10), 
	created_at DATETIME NOT NULL, 
	answered_at DATETIME, 
	closed_at DATETIME, 
	CONSTRAINT fk_questions_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE question_notes (
	id INTEGER NOT NULL, 
	question_id INTEGER NOT NULL, 
	kind VARCHAR(10) NOT NULL, 
	author_id VARCHAR(64), 
	text TEXT NOT NULL, 
	as_team BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_question_notes PRIMARY KEY (id), 
	CONSTRAINT fk_question_notes_question_id_questions FOREIGN KEY(question_id) REFERENCES questions (id)
);
CREATE TABLE question_blocks (
	community_id INTEGER NOT NULL, 
	asker_token VARCHAR(32) NOT NULL, 
	blocked_by VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_question_blocks PRIMARY KEY (community_id, asker_token), 
	CONSTRAINT fk_question_blocks_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE faq_entries (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	community_id INTEGER NOT NULL, 
	question TEXT NOT NULL, 
	answer TEXT NOT NULL, 
	topic VARCHAR(32), 
	grade VARCHAR(16), 
	language VARCHAR(8) NOT NULL, 
	question_id INTEGER, 
	created_by VARCHAR(64), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	channel_id VARCHAR(64), 
	message_id VARCHAR(128), 
	CONSTRAINT fk_faq_entries_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE faq_proposals (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	community_id INTEGER NOT NULL, 
	question_id INTEGER, 
	question TEXT NOT NULL, 
	answer TEXT NOT NULL, 
	topic VARCHAR(32), 
	grade VARCHAR(16), 
	language VARCHAR(8) NOT NULL, 
	asker_id VARCHAR(64), 
	asker_token VARCHAR(32), 
	proposed_by VARCHAR(64) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	entry_id INTEGER, 
	created_at DATETIME NOT NULL, 
	decided_at DATETIME, 
	CONSTRAINT fk_faq_proposals_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE faq_channels (
	community_id INTEGER NOT NULL, 
	channel_id VARCHAR(64) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_faq_channels PRIMARY KEY (community_id), 
	CONSTRAINT fk_faq_channels_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE VIRTUAL TABLE faq_search USING fts5(question, answer, content='faq_entries', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TABLE chat_series (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	community_id INTEGER NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	template TEXT NOT NULL, 
	created_by VARCHAR(64) NOT NULL, 
	weekday INTEGER NOT NULL, 
	at_time VARCHAR(5) NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	start_date VARCHAR(10) NOT NULL, 
	end_date VARCHAR(10), 
	every_weeks INTEGER NOT NULL, 
	month_week INTEGER, 
	status VARCHAR(10) NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT fk_chat_series_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE chats (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	community_id INTEGER NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	title TEXT NOT NULL, 
	intro TEXT, 
	wrap_up TEXT, 
	created_by VARCHAR(64) NOT NULL, 
	starts_at DATETIME NOT NULL, 
	interval_s INTEGER NOT NULL, 
	missed VARCHAR(4) NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	posted INTEGER NOT NULL, 
	next_at DATETIME, 
	ended_at DATETIME, 
	series_id INTEGER, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT fk_chats_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id), 
	CONSTRAINT fk_chats_series_id_chat_series FOREIGN KEY(series_id) REFERENCES chat_series (id)
);
CREATE TABLE chat_questions (
	chat_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	message_id VARCHAR(128), 
	posted_at DATETIME, 
	skipped INTEGER NOT NULL, 
	CONSTRAINT pk_chat_questions PRIMARY KEY (chat_id, number), 
	CONSTRAINT fk_chat_questions_chat_id_chats FOREIGN KEY(chat_id) REFERENCES chats (id)
);
CREATE TABLE chat_answers (
	id INTEGER NOT NULL, 
	chat_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	message_id VARCHAR(128) NOT NULL, 
	thread VARCHAR(128), 
	author_id VARCHAR(64), 
	text TEXT NOT NULL, 
	at DATETIME NOT NULL, 
	reactions INTEGER NOT NULL, 
	filed_by VARCHAR(10) NOT NULL, 
	CONSTRAINT pk_chat_answers PRIMARY KEY (id), 
	CONSTRAINT fk_chat_answers_chat_id_chats FOREIGN KEY(chat_id) REFERENCES chats (id), 
	CONSTRAINT uq_chat_answers_chat_id_message_id_number UNIQUE (chat_id, message_id, number)
);
CREATE TABLE digests (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	community_id INTEGER NOT NULL, 
	channel VARCHAR(64) NOT NULL, 
	kind VARCHAR(12) NOT NULL, 
	source_id VARCHAR(64) NOT NULL, 
	title TEXT NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	credit VARCHAR(8) NOT NULL, 
	grouping VARCHAR(8) NOT NULL, 
	started_at DATETIME NOT NULL, 
	ended_at DATETIME NOT NULL, 
	created_by VARCHAR(64), 
	created_at DATETIME NOT NULL, 
	published_at DATETIME, 
	CONSTRAINT fk_digests_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE digest_topics (
	digest_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	label VARCHAR(16) NOT NULL, 
	text TEXT NOT NULL, 
	link VARCHAR(500), 
	CONSTRAINT pk_digest_topics PRIMARY KEY (digest_id, position), 
	CONSTRAINT fk_digest_topics_digest_id_digests FOREIGN KEY(digest_id) REFERENCES digests (id)
);
CREATE TABLE digest_items (
	digest_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	topic INTEGER NOT NULL, 
	author_id VARCHAR(64), 
	text TEXT NOT NULL, 
	at DATETIME NOT NULL, 
	link VARCHAR(500), 
	reactions INTEGER NOT NULL, 
	role VARCHAR(16), 
	dropped INTEGER NOT NULL, 
	CONSTRAINT pk_digest_items PRIMARY KEY (digest_id, number), 
	CONSTRAINT fk_digest_items_digest_id_digests FOREIGN KEY(digest_id) REFERENCES digests (id)
);
CREATE TABLE retention_policies (
	community_id INTEGER NOT NULL, 
	what VARCHAR(16) NOT NULL, 
	days INTEGER NOT NULL, 
	set_at DATETIME NOT NULL, 
	CONSTRAINT pk_retention_policies PRIMARY KEY (community_id, what), 
	CONSTRAINT fk_retention_policies_community_id_communities FOREIGN KEY(community_id) REFERENCES communities (id)
);
CREATE TABLE outbox_lanes (
	lane VARCHAR(200) NOT NULL, 
	owner VARCHAR(64) NOT NULL, 
	until DATETIME NOT NULL, 
	CONSTRAINT pk_outbox_lanes PRIMARY KEY (lane)
);
CREATE TABLE replicas (
	owner VARCHAR(64) NOT NULL, 
	seen_at DATETIME NOT NULL, 
	waiting INTEGER NOT NULL, 
	share FLOAT NOT NULL, 
	CONSTRAINT pk_replicas PRIMARY KEY (owner)
);
CREATE TABLE platform_pauses (
	platform VARCHAR(16) NOT NULL, 
	until DATETIME NOT NULL, 
	CONSTRAINT pk_platform_pauses PRIMARY KEY (platform)
);
CREATE INDEX ix_outbox_status_id ON outbox (status, id);
CREATE INDEX ix_processed_events_received_at ON processed_events (received_at);
CREATE INDEX ix_community_prompts_community_id_status ON community_prompts (community_id, status);
CREATE INDEX ix_processed_events_handled_at ON processed_events (handled_at);
CREATE INDEX ix_timers_state_due_at ON timers (state, due_at);
CREATE INDEX ix_pending_choices_community_id_channel ON pending_choices (community_id, channel);
CREATE INDEX ix_schedules_next_due ON schedules (next_due);
CREATE INDEX ix_schedules_community_id_channel ON schedules (community_id, channel);
CREATE INDEX ix_polls_community_id_channel_status ON polls (community_id, channel, status);
CREATE INDEX ix_away_periods_community_id_member ON away_periods (community_id, member);
CREATE INDEX ix_question_routes_community_id ON question_routes (community_id);
CREATE INDEX ix_questions_community_id_status ON questions (community_id, status);
CREATE INDEX ix_questions_community_id_asker_token ON questions (community_id, asker_token);
CREATE INDEX ix_question_notes_question_id ON question_notes (question_id);
CREATE INDEX ix_faq_entries_community_id_language ON faq_entries (community_id, language);
CREATE INDEX ix_chats_community_id_channel_status ON chats (community_id, channel, status);
CREATE INDEX ix_chat_answers_chat_id_message_id ON chat_answers (chat_id, message_id);
CREATE INDEX ix_digests_community_id_channel_status ON digests (community_id, channel, status);
CREATE TRIGGER faq_entries_ai AFTER INSERT ON faq_entries BEGIN INSERT INTO faq_search(rowid, question, answer) VALUES (new.id, new.question, new.answer); END;
CREATE TRIGGER faq_entries_ad AFTER DELETE ON faq_entries BEGIN INSERT INTO faq_search(faq_search, rowid, question, answer) VALUES ('delete', old.id, old.question, old.answer); END;
CREATE TRIGGER faq_entries_au AFTER UPDATE OF question, answer ON faq_entries BEGIN INSERT INTO faq_search(faq_search, rowid, question, answer) VALUES ('delete', old.id, old.question, old.answer); INSERT INTO faq_search(rowid, question, answer) VALUES (new.id, new.question, new.answer); END;
