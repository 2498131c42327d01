package io.consolidb.schema;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where Flyway connects: a JDBC URL plus the user and password taken out of it.
 *
 * <p>{@link #toString()} masks the password, so an instance may be logged.
 *
 * @param url      {@code jdbc:postgresql://host:port/database[?query]}, without credentials
 * @param user     the user name, or null when the URI names none (the driver then uses its default)
 * @param password the password, or null when the URI carries none
 */
public record JdbcCoordinates(String url, String user, String password) {

  private static final int DEFAULT_PORT = 5432;

  /**
   * pgjdbc prints a host name mismatch on java.util.logging's console (stderr, unformatted)
   * besides throwing; the exception is what callers report, once ({@code DatabaseTls.explain}).
   * Every pgjdbc connection of the node starts from these coordinates, so this class silences it;
   * held in a field because java.util.logging forgets the level of a logger nobody references.
   */
  private static final Logger HOSTNAME_VERIFIER_LOG = Logger.getLogger("org.postgresql.ssl.PGjdbcHostnameVerifier");

  static {
    HOSTNAME_VERIFIER_LOG.setLevel(Level.OFF);
  }

  public JdbcCoordinates {
    Objects.requireNonNull(url, "url");
  }

  /**
   * Converts a libpq-style connection URI, as in {@code DATABASE_URL}, to JDBC coordinates.
   *
   * <p>Accepts {@code postgresql://} and {@code postgres://}; user and password may be
   * percent-encoded; a missing port means 5432, a missing host {@code localhost}; several
   * comma-separated hosts and IPv6 literals ({@code [::1]}) are kept. Query parameters such as
   * {@code sslmode=require} are passed to the driver, except {@code user} and
   * {@code password}, which become credentials (they win over those in the authority part, as
   * in libpq), and {@code search_path} (the Vert.x pool's parameter), which becomes pgjdbc's
   * {@code currentSchema}, so Flyway migrates the schema the pool reads. As in libpq, reserved characters ({@code @ : / ? #}) in the user or password
   * must be percent-encoded.
   *
   * @throws IllegalArgumentException when the text is not such a URI or names no database;
   *     the message never contains the password
   */
  public static JdbcCoordinates fromUri(String uri) {
    Objects.requireNonNull(uri, "uri");
    String rest;
    if (uri.startsWith("postgresql://")) {
      rest = uri.substring("postgresql://".length());
    } else if (uri.startsWith("postgres://")) {
      rest = uri.substring("postgres://".length());
    } else {
      throw new IllegalArgumentException(
          "not a PostgreSQL URI (expected postgresql://user:password@host:port/database): "
              + redact(uri));
    }

    String query = null;
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    int slash = rest.indexOf('/');
    String authority = slash >= 0 ? rest.substring(0, slash) : rest;
    String database = slash >= 0 ? rest.substring(slash + 1) : "";
    if (database.isEmpty()) {
      throw new IllegalArgumentException("PostgreSQL URI names no database: " + redact(uri));
    }

    String user = null;
    String password = null;
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      authority = authority.substring(at + 1);
      int colon = userInfo.indexOf(':');
      if (colon >= 0) {
        user = decode(userInfo.substring(0, colon));
        password = decode(userInfo.substring(colon + 1));
      } else {
        user = decode(userInfo);
      }
    }

    List<String> driverParams = new ArrayList<>();
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode(eq >= 0 ? pair.substring(0, eq) : pair);
        String value = eq >= 0 ? pair.substring(eq + 1) : "";
        if (key.equals("user")) {
          user = decode(value);
        } else if (key.equals("password")) {
          password = decode(value);
        } else if (key.equals("search_path")) {
          // the pool's spelling; pgjdbc ignores it and reads the same list from currentSchema
          driverParams.add("currentSchema=" + value);
        } else {
          driverParams.add(pair);
        }
      }
    }

    StringBuilder url = new StringBuilder("jdbc:postgresql://").append(hosts(authority, uri))
        .append('/').append(database);
    if (!driverParams.isEmpty()) {
      url.append('?').append(String.join("&", driverParams));
    }
    return new JdbcCoordinates(url.toString(), emptyToNull(user), emptyToNull(password));
  }

  /**
   * The same coordinates with these driver parameters set, replacing any of the same name (names
   * compare without case, as pgjdbc's do): how TLS settings reach the JDBC URL.
   */
  public JdbcCoordinates withParameters(Map<String, String> parameters) {
    int q = url.indexOf('?');
    String base = q >= 0 ? url.substring(0, q) : url;
    List<String> kept = new ArrayList<>();
    if (q >= 0) {
      for (String pair : url.substring(q + 1).split("&")) {
        int eq = pair.indexOf('=');
        String key = eq >= 0 ? pair.substring(0, eq) : pair;
        if (!pair.isEmpty() && parameters.keySet().stream().noneMatch(key::equalsIgnoreCase)) {
          kept.add(pair);
        }
      }
    }
    parameters.forEach((key, value) -> kept.add(URLEncoder.encode(key, StandardCharsets.UTF_8) + "="
        + URLEncoder.encode(value, StandardCharsets.UTF_8)));
    return new JdbcCoordinates(kept.isEmpty() ? base : base + "?" + String.join("&", kept), user, password);
  }

  /** The password masked; safe to log. */
  @Override
  public String toString() {
    return "JdbcCoordinates[url=" + url + ", user=" + user + ", password="
        + (password == null ? "null" : "****") + "]";
  }

  private static String hosts(String authority, String uri) {
    if (authority.isEmpty()) {
      return "localhost:" + DEFAULT_PORT;
    }
    List<String> hosts = new ArrayList<>();
    for (String hostPort : authority.split(",")) {
      String host = hostPort;
      String port = null;
      if (hostPort.startsWith("[")) {
        int close = hostPort.indexOf(']');
        if (close < 0) {
          throw new IllegalArgumentException("unterminated IPv6 host in " + redact(uri));
        }
        host = hostPort.substring(0, close + 1);
        if (close + 1 < hostPort.length()) {
          if (hostPort.charAt(close + 1) != ':') {
            throw new IllegalArgumentException("bad host in " + redact(uri));
          }
          port = hostPort.substring(close + 2);
        }
      } else {
        int colon = hostPort.lastIndexOf(':');
        if (colon >= 0) {
          host = hostPort.substring(0, colon);
          port = hostPort.substring(colon + 1);
        }
      }
      if (host.isEmpty()) {
        host = "localhost";
      }
      if (port == null || port.isEmpty()) {
        port = String.valueOf(DEFAULT_PORT);
      } else if (!port.chars().allMatch(Character::isDigit)
          || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
        throw new IllegalArgumentException("bad port '" + port + "' in " + redact(uri));
      }
      hosts.add(host + ":" + port);
    }
    return String.join(",", hosts);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** The URI with any password (in the authority or the query) replaced by ****. */
  static String redact(String uri) {
    String redacted = uri.replaceAll("(?i)([?&]password=)[^&]*", "$1****");
    int scheme = redacted.indexOf("://");
    int start = scheme >= 0 ? scheme + 3 : 0;
    int slash = redacted.indexOf('/', start);
    int end = slash >= 0 ? slash : redacted.length();
    int at = redacted.lastIndexOf('@', end - 1);
    if (at >= start) {
      int colon = redacted.indexOf(':', start);
      if (colon >= 0 && colon < at) {
        redacted = redacted.substring(0, colon + 1) + "****" + redacted.substring(at);
      }
    }
    return redacted;
  }
}
