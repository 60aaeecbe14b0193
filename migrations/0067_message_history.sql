-- Messages brought by history sync (webapp.whatsapp.history, ingested with history=True) are
-- marked, so workflows leave them alone: they fire neither `message.received` nor
-- `message.analyzed` (a newly paired device's weeks of past traffic analysed later must not
-- create action items or post to Slack), and never begin an unanswered stretch. Their
-- message.created event says so too (`history: true`). A constant default: no table rewrite.

alter table messages add column history boolean not null default false;
