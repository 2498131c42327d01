-- Users and their favourite restaurants.

CREATE TABLE users (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email        text NOT NULL CHECK (position('@' IN email) > 1),
  display_name text,
  home_city    text,
  preferences  jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(preferences) = 'object'),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One account per address whatever its case; lookups use lower(email) = lower($1).
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TRIGGER users_set_updated_at
  BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE favorites (
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  restaurant_id bigint NOT NULL REFERENCES restaurants (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, restaurant_id)
);

-- Serves the cascade from restaurants and "how many users favour this restaurant".
-- (user_id lookups use the primary key.)
CREATE INDEX favorites_restaurant_id_idx ON favorites (restaurant_id);
