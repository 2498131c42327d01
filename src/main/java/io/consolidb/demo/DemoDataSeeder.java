package io.consolidb.demo;

import io.consolidb.demo.DemoDataGenerator.Restaurant;
import io.consolidb.demo.DemoDataGenerator.Rows;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.Objects;

/**
 * Inserts {@link DemoDataGenerator} rows into {@code restaurants}: what a development node does at
 * start when the table is empty ({@code SchemaVerticle}) and what {@code consolidb.jar seed}
 * does.
 *
 * <p>Rows are inserted in chunks of {@value #CHUNK_SIZE}, one statement per chunk
 * ({@code INSERT ... SELECT FROM unnest($1::text[], ...)}: one round trip and one plan per
 * chunk, measured 2.6 to 3 times as fast as {@code executeBatch} of single-row inserts;
 * see {@code DemoDataSeedBenchmark}). Chunks run one
 * after another and at most two are in memory (the next is built on a worker thread while the
 * previous one is being inserted), so a million rows need no more memory than ten thousand,
 * and the event loop only sends.
 */
public final class DemoDataSeeder {

  /**
   * Rows per INSERT statement. 1000 to 20000 measured within noise of one another
   * ({@code DemoDataSeedBenchmark}: the database's index maintenance dominates); 5000 keeps a
   * chunk's arrays around a megabyte.
   */
  public static final int CHUNK_SIZE = 5_000;

  private static final String INSERT_SQL =
      "INSERT INTO restaurants (name, address, city, state, postal_code, phone, website,"
          + " kosher_category, certifying_agency, hours, price_range, rating, status, latitude,"
          + " longitude)"
          + " SELECT name, address, city, state, postal_code, phone, website, kosher_category,"
          + " certifying_agency, hours::jsonb, price_range, rating::numeric(2,1), status,"
          + " latitude, longitude"
          + " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
          + " $7::text[], $8::text[], $9::text[], $10::text[], $11::int2[], $12::float8[],"
          + " $13::text[], $14::float8[], $15::float8[])"
          + " WITH ORDINALITY AS t(name, address, city, state, postal_code, phone, website,"
          + " kosher_category, certifying_agency, hours, price_range, rating, status,"
          + " latitude, longitude, ord)"
          // keeps identity ids in generation order, so equal seeds give equal (id, row) pairs
          + " ORDER BY ord";

  /** Serialises concurrent seedIfEmpty calls on one schema (several nodes starting at once). */
  private static final String LOCK_SQL =
      "SELECT pg_advisory_xact_lock(hashtext('consolidb.demo-seed.' || current_schema()))";

  private DemoDataSeeder() {
  }

  /**
   * Inserts {@code count} generated rows into {@code restaurants} (whatever is already there
   * stays), then runs VACUUM (ANALYZE): the planner sees the rows at once, and the search index's
   * GIN pending list, which a bulk load fills and a plain ANALYZE leaves as it is, is merged (the
   * planner prices an index scan by that list too: left full, it made a search of 4 % of 100,000
   * rows a sequential scan in some runs and an index scan in others).
   *
   * @return the number of rows inserted
   */
  public static Future<Integer> seed(Pool pool, int count, long seed) {
    return seed(pool, count, seed, CHUNK_SIZE);
  }

  /** {@link #seed(Pool, int, long)} with another chunk size, for the seeding benchmark. */
  static Future<Integer> seed(Pool pool, int count, long seed, int chunkSize) {
    Objects.requireNonNull(pool, "pool");
    DemoDataGenerator.checkCount(count);
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunkSize must be >= 1, got " + chunkSize);
    }
    return insertAll(pool, count, seed, chunkSize)
        .compose(inserted -> pool.query("VACUUM (ANALYZE) restaurants").execute().map(inserted));
  }

  /**
   * Seeds {@code count} rows when {@code restaurants} is empty, all in one transaction; does
   * nothing otherwise. Nodes starting at once are safe: a transaction-scoped advisory lock lets
   * one of them seed, and the others then find the table filled.
   *
   * @return true when this call seeded, false when the table already had rows
   */
  public static Future<Boolean> seedIfEmpty(Pool pool, int count, long seed) {
    Objects.requireNonNull(pool, "pool");
    DemoDataGenerator.checkCount(count);
    return pool.withTransaction(conn -> conn.query(LOCK_SQL).execute()
        .compose(locked -> conn.query("SELECT EXISTS (SELECT 1 FROM restaurants)").execute())
        .compose(rows -> {
          if (rows.iterator().next().getBoolean(0)) {
            return Future.succeededFuture(false);
          }
          return insertAll(conn, count, seed, CHUNK_SIZE)
              .compose(inserted -> conn.query("ANALYZE restaurants").execute())
              .map(true);
        }));
  }

  private static Future<Integer> insertAll(SqlClient client, int count, long seed,
      int chunkSize) {
    Rows rows = DemoDataGenerator.rows(seed);
    return build(rows, Math.min(count, chunkSize))
        .compose(first -> insertFrom(client, rows, first, count, 0, chunkSize));
  }

  /** Sends {@code current}, builds the next chunk while the database works on it, repeats. */
  private static Future<Integer> insertFrom(SqlClient client, Rows rows, Tuple current,
      int count, int sent, int chunkSize) {
    if (current == null) {
      return Future.succeededFuture(sent);
    }
    int size = ((String[]) current.getValue(0)).length;
    Future<?> inserted = client.preparedQuery(INSERT_SQL).execute(current);
    int remaining = count - sent - size;
    Future<Tuple> next = build(rows, Math.min(remaining, chunkSize));
    // one chunk is built at a time, and each build starts after the previous one completed:
    // Rows is only ever used by one thread at a time, with a happens-before edge in between
    return Future.all(inserted, next)
        .compose(done -> insertFrom(client, rows, next.result(), count, sent + size, chunkSize));
  }

  /**
   * Builds a chunk on a worker thread when called on a Vert.x context (building takes ~3 µs a
   * row, too long for an event loop), else on the calling thread.
   */
  private static Future<Tuple> build(Rows rows, int size) {
    if (size <= 0) {
      return Future.succeededFuture(null);
    }
    Context context = Vertx.currentContext();
    if (context == null) {
      return Future.succeededFuture(chunk(rows, size));
    }
    return context.executeBlocking(() -> chunk(rows, size));
  }

  /** The next {@code size} rows as the 15 column arrays of {@link #INSERT_SQL}. */
  private static Tuple chunk(Rows rows, int size) {
    String[] name = new String[size];
    String[] address = new String[size];
    String[] city = new String[size];
    String[] state = new String[size];
    String[] postalCode = new String[size];
    String[] phone = new String[size];
    String[] website = new String[size];
    String[] category = new String[size];
    String[] agency = new String[size];
    String[] hours = new String[size];
    Short[] price = new Short[size];
    Double[] rating = new Double[size];
    String[] status = new String[size];
    Double[] latitude = new Double[size];
    Double[] longitude = new Double[size];
    for (int i = 0; i < size; i++) {
      Restaurant r = rows.next();
      name[i] = r.name();
      address[i] = r.address();
      city[i] = r.city();
      state[i] = r.state();
      postalCode[i] = r.postalCode();
      phone[i] = r.phone();
      website[i] = r.website();
      category[i] = r.kosherCategory();
      agency[i] = r.certifyingAgency();
      hours[i] = r.hoursJson();
      price[i] = r.priceRange();
      rating[i] = r.rating();
      status[i] = r.status();
      latitude[i] = r.latitude();
      longitude[i] = r.longitude();
    }
    return Tuple.of(name, address, city, state, postalCode, phone, website, category, agency,
        hours, price, rating, status, latitude, longitude);
  }
}
