package io.consolidb.user.impl;

import io.consolidb.idempotency.IdempotencySql;

/**
 * The SQL the user service runs, for this package only. It relies on the keys and indexes of the
 * migration {@code V2__users_favorites.sql}: {@code users_email_lower_key} makes addresses unique
 * whatever their case (a duplicate fails with 23505), the favourites' primary key makes a
 * favourite unique, and their foreign keys cascade deletes of either side. Positional parameters
 * only; values are always bound.
 */
final class UserSql {

  /** The columns every user-returning statement selects, in this order. */
  static final String COLUMNS =
      "id, email, display_name, home_city, preferences, created_at, updated_at";

  /** One user: {@code $1} id. */
  static final String BY_ID = "SELECT " + COLUMNS + " FROM users WHERE id = $1";

  /**
   * One user by address, whatever its case: {@code $1} email. {@code lower(email)} is the
   * expression of the unique index {@code users_email_lower_key}, so this is an index lookup.
   */
  static final String BY_EMAIL = "SELECT " + COLUMNS + " FROM users WHERE lower(email) = lower($1)";

  /**
   * Creates a user: {@code $1} email, {@code $2} display_name, {@code $3} home_city,
   * {@code $4} preferences (a JSON object, or null for none). 23505 when the address exists.
   */
  static final String INSERT =
      "INSERT INTO users (email, display_name, home_city, preferences)"
          + " VALUES ($1::text, $2::text, $3::text, COALESCE($4::jsonb, '{}'::jsonb))"
          + " RETURNING " + COLUMNS;

  /**
   * Partial update, JSON merge patch (RFC 7396): {@code $1} id, {@code $2} an object whose keys
   * are {@code email}, {@code display_name}, {@code home_city}, {@code preferences}. An absent key
   * keeps the column; {@code null} clears it. {@code preferences} merges key by key (a key set to
   * null is removed; {@code "preferences": null} empties them). No row when the id does not exist;
   * 23505 when the new address is taken.
   */
  static final String UPDATE =
      "UPDATE users SET "
          + "email = CASE WHEN $2::jsonb -> 'email' IS NULL THEN email ELSE $2::jsonb ->> 'email' END"
          + ", display_name = CASE WHEN $2::jsonb -> 'display_name' IS NULL THEN display_name"
          + " ELSE $2::jsonb ->> 'display_name' END"
          + ", home_city = CASE WHEN $2::jsonb -> 'home_city' IS NULL THEN home_city"
          + " ELSE $2::jsonb ->> 'home_city' END"
          + ", preferences = CASE WHEN $2::jsonb -> 'preferences' IS NULL THEN preferences"
          + " WHEN jsonb_typeof($2::jsonb -> 'preferences') = 'null' THEN '{}'::jsonb"
          + " ELSE jsonb_strip_nulls(preferences || ($2::jsonb -> 'preferences')) END"
          + " WHERE id = $1"
          + " RETURNING " + COLUMNS;

  /**
   * First statement of the delete transaction: the user's favourites ({@code $1} user id). The
   * foreign key would cascade them anyway; deleting them explicitly, first, keeps the rule where
   * the service states it and makes the two deletes one visible unit.
   */
  static final String DELETE_FAVORITES_OF_USER = "DELETE FROM favorites WHERE user_id = $1";

  /** Second statement of the delete transaction: {@code $1} id. Returns {@code id}; no row when absent. */
  static final String DELETE = "DELETE FROM users WHERE id = $1 RETURNING id";

  /**
   * Adds a favourite unless it exists: {@code $1} user id, {@code $2} restaurant id. Always one
   * row: {@code user_exists}, {@code restaurant_exists}, {@code added} (false when it was already
   * a favourite, or when either side is missing). Concurrent adds of the same pair insert one row
   * (the primary key, ON CONFLICT DO NOTHING).
   */
  static final String ADD_FAVORITE = addFavorite("");

  /**
   * {@link #ADD_FAVORITE} storing an idempotency key ({@code $3} operation, {@code $4} key,
   * {@code $5} fingerprint) in the same statement, only when the user and the restaurant exist
   * (a 404 stores nothing). The key row holds the answer's three booleans.
   */
  static final String ADD_FAVORITE_KEYED = addFavorite(", k AS (INSERT INTO idempotency_keys"
      + " (operation, idem_key, fingerprint, result) SELECT $3::text, $4::text, $5::text,"
      + " jsonb_build_object('user_exists', true, 'restaurant_exists', true, 'added', EXISTS (SELECT 1 FROM ins))"
      + " FROM u, r)");

  /** The stored answer of a keyed {@link #ADD_FAVORITE_KEYED}, as {@link IdempotencySql#replay} describes. */
  static final String ADD_FAVORITE_REPLAY = IdempotencySql.replay("r.user_exists, r.restaurant_exists, r.added",
      "jsonb_to_record(k.result) AS r(user_exists boolean, restaurant_exists boolean, added boolean)");

  /**
   * Removes a favourite if present: {@code $1} user id, {@code $2} restaurant id. One row:
   * {@code user_exists}, {@code removed}.
   */
  static final String REMOVE_FAVORITE = removeFavorite("");

  /**
   * {@link #REMOVE_FAVORITE} storing an idempotency key ({@code $3} operation, {@code $4} key,
   * {@code $5} fingerprint) in the same statement, only when the user exists.
   */
  static final String REMOVE_FAVORITE_KEYED = removeFavorite(", k AS (INSERT INTO idempotency_keys"
      + " (operation, idem_key, fingerprint, result) SELECT $3::text, $4::text, $5::text,"
      + " jsonb_build_object('user_exists', true, 'removed', EXISTS (SELECT 1 FROM del)) FROM u)");

  /** The stored answer of a keyed {@link #REMOVE_FAVORITE_KEYED}. */
  static final String REMOVE_FAVORITE_REPLAY = IdempotencySql.replay("r.user_exists, r.removed",
      "jsonb_to_record(k.result) AS r(user_exists boolean, removed boolean)");

  /**
   * The stored answer of a keyed user write (create, update, delete): the {@link #COLUMNS} of the
   * row it returned, typed as the table's.
   */
  static final String REPLAY = IdempotencySql.replay(COLUMNS, "jsonb_populate_record(NULL::users, k.result) r");

  /**
   * A user's favourites with restaurant summaries, newest first: {@code $1} user id,
   * {@code $2} limit. No row when the user does not exist; one row with a null
   * {@code restaurant_id} when they have none.
   */
  static final String FAVORITES =
      "SELECT u.id AS user_id, f.restaurant_id, f.created_at AS added_at, r.name, r.city, r.address,"
          + " r.kosher_category, r.price_range, r.rating, r.status"
          + " FROM users u"
          + " LEFT JOIN favorites f ON f.user_id = u.id"
          + " LEFT JOIN restaurants r ON r.id = f.restaurant_id"
          + " WHERE u.id = $1"
          + " ORDER BY f.created_at DESC, f.restaurant_id"
          + " LIMIT $2";

  private UserSql() {
  }

  /** {@link #ADD_FAVORITE} with {@code moreCtes} (each starting with a comma) before its answer. */
  private static String addFavorite(String moreCtes) {
    return "WITH u AS (SELECT id FROM users WHERE id = $1),"
        + " r AS (SELECT id FROM restaurants WHERE id = $2),"
        + " ins AS (INSERT INTO favorites (user_id, restaurant_id)"
        + " SELECT u.id, r.id FROM u, r"
        + " ON CONFLICT (user_id, restaurant_id) DO NOTHING RETURNING 1)"
        + moreCtes
        + " SELECT EXISTS (SELECT 1 FROM u) AS user_exists,"
        + " EXISTS (SELECT 1 FROM r) AS restaurant_exists,"
        + " EXISTS (SELECT 1 FROM ins) AS added";
  }

  /** {@link #REMOVE_FAVORITE} with {@code moreCtes} (each starting with a comma) before its answer. */
  private static String removeFavorite(String moreCtes) {
    return "WITH u AS (SELECT id FROM users WHERE id = $1),"
        + " del AS (DELETE FROM favorites WHERE user_id = $1 AND restaurant_id = $2 RETURNING 1)"
        + moreCtes
        + " SELECT EXISTS (SELECT 1 FROM u) AS user_exists, EXISTS (SELECT 1 FROM del) AS removed";
  }
}
