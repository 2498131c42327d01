package io.consolidb.config;

import io.vertx.pgclient.PgConnectOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Read replicas ({@code database.replicas}; docs/OPERATIONS.md "Read replicas"). Empty
 * {@code urls} ({@code DATABASE_READ_URL} unset) is the default: every statement goes to the
 * primary and nothing of the routing runs.
 *
 * <p>{@code maxLagMs} ({@code DB_REPLICA_MAX_LAG_MS}): a replica further behind than this gets no
 * reads until it has caught up. {@code poolSize} ({@code DB_REPLICA_POOL_SIZE}): the connections
 * of each replica's own pool. {@code pollMs} ({@code DB_REPLICA_POLL_MS}): how often each replica's
 * replayed position and the primary's WAL position are read; a read carrying an LSN goes to a
 * replica only once a poll has seen the replica past it.
 *
 * @param replicas each replica's URL (as both drivers read it), TLS and safe name
 */
public record ReplicaSettings(List<Replica> replicas, int maxLagMs, int poolSize, int pollMs) {

  /** No replica: the default. */
  public static final ReplicaSettings NONE = new ReplicaSettings(List.of(), 1000, 4, 50);

  /**
   * One replica. {@code name} is {@code host:port}: the only way it is shown (health, metrics
   * labels, logs), never with credentials.
   */
  public record Replica(String url, DatabaseTls tls, String name) {

    /** The URL with its password masked. */
    public String maskedUrl() {
      return SecretMasker.maskUri(url);
    }
  }

  /** Whether reads may go to a replica at all. */
  public boolean enabled() {
    return !replicas.isEmpty();
  }

  /**
   * {@code db.replicas}: {@code urls} a comma-separated list. Each URL is checked as
   * {@code database.url} is (a postgresql:// URL naming a host and a database, its TLS mode and CA),
   * and must name {@code primaryDatabase}: a streaming replica holds the primary's databases under
   * their own names, so another name reads other data (a copied URL, a test database) without
   * any error to say so.
   */
  static ReplicaSettings fromJson(ConfigSection db, boolean requireTls, String primaryDatabase) {
    ConfigSection section = db.section("replicas");
    String[] given = section.string("urls", "").split(",");
    List<Replica> replicas = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (String raw : given) {
      if (raw.isBlank()) {
        continue;
      }
      String url = raw.strip();
      if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
        throw section.invalid("urls", SecretMasker.maskUri(url), "each replica URL must start with postgresql://");
      }
      PgConnectOptions parsed = DatabaseSettings.parseUrl(section, "urls", url);
      DatabaseTls tls = DatabaseTls.of(db, parsed, url);
      if (requireTls && !DatabaseSettings.tlsRequired(tls.mode())) {
        throw section.invalid("urls", SecretMasker.maskUri(url),
            "TLS is required here: add ?sslmode=verify-full (or verify-ca, require) to every replica URL");
      }
      if (!parsed.getDatabase().equals(primaryDatabase)) {
        throw section.invalid("urls", SecretMasker.maskUri(url), "names database \"" + parsed.getDatabase()
            + "\" but DATABASE_URL names \"" + primaryDatabase + "\": a streaming replica has the primary's"
            + " databases, name the same one");
      }
      String name = parsed.getHost() + ":" + parsed.getPort();
      if (!names.add(name + "/" + parsed.getDatabase())) {
        throw section.invalid("urls", SecretMasker.maskUri(url), "names the same replica twice");
      }
      replicas.add(new Replica(url, tls, name));
    }
    return new ReplicaSettings(List.copyOf(replicas),
        section.integer("maxLagMs", NONE.maxLagMs, 1),
        section.integer("poolSize", NONE.poolSize, 1),
        section.integer("pollMs", NONE.pollMs, 10));
  }
}
