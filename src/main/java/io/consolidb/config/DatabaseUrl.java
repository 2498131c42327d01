package io.consolidb.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code DATABASE_URL} as teams bring it: the libpq form ({@code postgresql://}, {@code postgres://})
 * and the SQLAlchemy form of the old Python manager ({@code postgresql+psycopg2://},
 * {@code +psycopg}, {@code +asyncpg}, {@code +pg8000}, {@code +psycopg2cffi}), read as
 * {@code postgresql://} with a warning naming the scheme (never the URL).
 *
 * <p>Query parameters: only those both drivers (the pool and pgjdbc, which Flyway uses) honour
 * alike are accepted ({@code search_path}, the pool's, reaches pgjdbc as {@code currentSchema}). Any other one is refused by name: a parameter one driver would apply and the
 * other silently drop (or both drop) would let the node run differently from what the URL says,
 * which is worse than stopping. asyncpg's {@code ssl=<mode>} is the one spelling translated, since
 * it means exactly libpq's {@code sslmode} there.
 */
final class DatabaseUrl {

  /** SQLAlchemy's PostgreSQL dialect drivers whose URLs are otherwise libpq URLs. */
  private static final Set<String> SQLALCHEMY_DRIVERS = Set.of("psycopg2", "psycopg", "psycopg2cffi", "asyncpg", "pg8000");
  private static final Set<String> ACCEPTED = Set.of("sslmode", "sslrootcert", "user", "password", "search_path");
  /** Parameters teams often carry over, with where their meaning lives here instead. */
  private static final Map<String, String> INSTEAD = Map.of(
      "connect_timeout", "the connect timeout is half of DB_POOL_TIMEOUT (0.5 to 5 s)",
      "application_name", "connections are always named 'consolidb'",
      "client_encoding", "both drivers always speak UTF8",
      "host", "put the host in the URL (user:password@host:port)",
      "port", "put the port in the URL (host:port)",
      "dbname", "put the database in the URL's path",
      "options", "server settings are not taken from the URL (search_path= is; statement_timeout is database.statementTimeoutMs)",
      "sslcert", "client certificates are not supported",
      "sslkey", "client certificates are not supported",
      "target_session_attrs", "one host is used; read replicas are configured separately");

  /** What to connect to and, for an SQLAlchemy URL, the warning to log once. */
  record Normalized(String url, String warning) {
  }

  private DatabaseUrl() {
  }

  /**
   * @throws InvalidConfigException naming {@code database.url} with the URL masked, when the scheme
   *     is not PostgreSQL's or a parameter is not one consolidb honours
   */
  static Normalized normalize(ConfigSection db, String url) {
    String masked = SecretMasker.maskUri(url);
    int colon = url.indexOf("://");
    String scheme = colon < 0 ? "" : url.substring(0, colon).toLowerCase(Locale.ROOT);
    String rest = colon < 0 ? "" : url.substring(colon + 3);
    String translated = null;
    if (scheme.startsWith("postgresql+")) {
      String driver = scheme.substring("postgresql+".length());
      if (!SQLALCHEMY_DRIVERS.contains(driver)) {
        throw db.invalid("url", masked, "unknown SQLAlchemy driver '" + driver
            + "': use postgresql:// (postgresql+psycopg2/psycopg/asyncpg/pg8000 are read as postgresql://)");
      }
    } else if (!scheme.equals("postgresql") && !scheme.equals("postgres")) {
      throw db.invalid("url", masked, "must start with postgresql://");
    }
    int q = rest.indexOf('?');
    List<String> kept = new ArrayList<>();
    if (q >= 0) {
      for (String pair : rest.substring(q + 1).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String given = eq < 0 ? pair : pair.substring(0, eq);
        String name = given.toLowerCase(Locale.ROOT);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        if (name.equals("ssl") && scheme.equals("postgresql+asyncpg") && DatabaseTls.knownMode("?sslmode=" + value)) {
          translated = "ssl=" + value;
          kept.add("sslmode=" + value);
        } else if (ACCEPTED.contains(name)) {
          // lower case: the pool reads names so, pgjdbc (and JdbcCoordinates) only so
          kept.add(name + (eq < 0 ? "" : pair.substring(eq)));
        } else {
          throw db.invalid("url", masked, "parameter '" + given + "' is not used by consolidb ("
              + INSTEAD.getOrDefault(name, "only sslmode, sslrootcert and search_path are")
              + "): remove it rather than have it silently ignored");
        }
      }
      rest = rest.substring(0, q);
    }
    String normalized = "postgresql://" + rest + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    String warning = !scheme.startsWith("postgresql+") ? null
        : "DATABASE_URL uses the SQLAlchemy scheme " + scheme + "://; read as postgresql://"
            + (translated == null ? "" : " with " + translated + " as sslmode")
            + " (docs/MIGRATING.md)";
    return new Normalized(normalized, warning);
  }
}
