DROP TABLE subscribe_attempts;
DROP TABLE digest_entries;
DROP TABLE deliveries;
DROP TABLE subscription_tokens;
DROP TABLE subscriptions;
DROP TABLE subscribers;
