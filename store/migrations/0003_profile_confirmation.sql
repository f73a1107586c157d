-- A profile is confirmed for an address once someone followed a link
-- e-mailed to that address: confirmed_email is the email_key so proven
-- (NULL: never confirmed). A profile whose email_key differs from it is
-- pending again, for the new address. Profiles stored before this
-- migration count as confirmed for their address.
ALTER TABLE profiles ADD COLUMN confirmed_email TEXT;
UPDATE profiles SET confirmed_email = email_key;
CREATE INDEX profiles_unconfirmed_idx ON profiles (created_at) WHERE confirmed_email IS NULL;

-- login_tokens.email_key: the address the link was mailed to. Following it
-- confirms the profile only while the profile still has that address.
ALTER TABLE login_tokens ADD COLUMN email_key TEXT NOT NULL DEFAULT '';

-- profiles.calendar_key: part of what the calendar feed's address is
-- derived from (with the API token's hash): replacing either one revokes
-- the address handed to calendar apps.
ALTER TABLE profiles ADD COLUMN calendar_key TEXT NOT NULL DEFAULT '';
