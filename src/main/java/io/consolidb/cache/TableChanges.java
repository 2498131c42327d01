package io.consolidb.cache;

import io.consolidb.config.SecretMasker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's LISTEN on {@value #CHANNEL}: the triggers of migration V4 notify it after every
 * statement that changes a cached table ({@code {"table", "op", "ids"?}}), whoever the writer
 * is, and each notification becomes an invalidation of the table's tag on both tiers.
 *
 * <p>A notification sent while the connection is down is lost, so when the subscription comes
 * back after a drop the whole local tier is dropped (logged at WARN). The connection is checked
 * every {@value #CHECK_MS} ms ({@code SELECT 1} with a timeout) so that a silently dead one is
 * noticed and replaced; a first connection that fails is retried on the same schedule.
 */
final class TableChanges {

  static final String CHANNEL = "consolidb_table_changes";
  private static final Logger LOG = LoggerFactory.getLogger(TableChanges.class);
  private static final long RECONNECT_MS = 500;
  static final long CHECK_MS = 5_000;

  private final Vertx vertx;
  private final PgConnectOptions options;
  private final NodeCache cache;
  private PgSubscriber subscriber;
  private volatile boolean listening;
  private volatile boolean everSubscribed;
  private boolean stopped;
  private long checkTimer = -1;

  TableChanges(Vertx vertx, PgConnectOptions options, NodeCache cache) {
    this.vertx = vertx;
    this.options = new PgConnectOptions(options).addProperty("application_name", "consolidb-listen");
    this.cache = cache;
  }

  /** Set on the event loop once the LISTEN connection has answered; read there too. */
  private volatile String schema;

  boolean listening() {
    return listening;
  }

  /** The schema learned from the LISTEN connection, null until then (tests). */
  String schema() {
    return schema;
  }

  void start() {
    subscriber = PgSubscriber.subscriber(vertx, options)
        // after a drop: reconnect forever, every RECONNECT_MS
        .reconnectPolicy(attempt -> RECONNECT_MS);
    subscriber.closeHandler(v -> {
      // the policy never gives up, so this runs only on stop
      listening = false;
    });
    subscriber.channel(CHANNEL)
        .subscribeHandler(v -> subscribed())
        .handler(this::onNotification);
    connect();
    checkTimer = vertx.setPeriodic(CHECK_MS, id -> check());
  }

  private void connect() {
    subscriber.connect().onFailure(failure -> {
      if (stopped) {
        return;
      }
      LOG.warn("cache: cannot LISTEN for table changes yet ({}); retrying",
          SecretMasker.maskText(failure.getMessage()));
      // a failed first connect leaves the subscriber neither open nor retrying: reset it
      subscriber.close().onComplete(v -> vertx.setTimer(RECONNECT_MS, id -> {
        if (!stopped) {
          connect();
        }
      }));
    });
  }

  private void subscribed() {
    listening = true;
    learnSchema();
    if (everSubscribed) {
      long dropped = cache.dropLocalTier();
      LOG.warn("cache: LISTEN connection re-established; table changes made meanwhile may have been"
          + " missed, dropped the local tier ({} entries)", dropped);
    } else {
      everSubscribed = true;
      LOG.info("cache: listening for table changes on {}", CHANNEL);
    }
  }

  /**
   * The schema this node's tables resolve to (the first of its search_path). Until it is known,
   * every notification counts: dropping too much is safe, too little is not.
   */
  private void learnSchema() {
    PgConnection conn = subscriber.actualConnection();
    if (conn == null) {
      return;
    }
    conn.query("SELECT current_schema() AS s").execute()
        .onSuccess(rows -> schema = rows.iterator().next().getString("s"))
        .onFailure(failure -> LOG.debug("cache: current schema unknown ({})",
            SecretMasker.maskText(failure.getMessage())));
  }

  private void onNotification(String payload) {
    LOG.debug("cache: table change {}", payload);
    String table;
    String from;
    try {
      JsonObject change = new JsonObject(payload);
      table = change.getString("table");
      from = change.getString("schema");
    } catch (RuntimeException malformed) {
      table = null;
      from = null;
    }
    if (table == null || table.isBlank()) {
      LOG.warn("cache: ignoring a malformed table-change notification");
      return;
    }
    String own = schema;
    if (from != null && own != null && !from.equals(own)) {
      return; // another deployment sharing this database
    }
    cache.tableChanged(table);
  }

  /** Replaces a connection that no longer answers (a half-open TCP connection never closes by itself). */
  private void check() {
    PgConnection conn = subscriber.actualConnection();
    if (conn == null) {
      listening = false;
      return;
    }
    conn.query("SELECT 1").execute().timeout(CHECK_MS / 2, TimeUnit.MILLISECONDS).onFailure(failure -> {
      LOG.warn("cache: the LISTEN connection does not answer ({}); reconnecting",
          SecretMasker.maskText(failure.getMessage()));
      listening = false;
      conn.close();
    });
  }

  Future<Void> stop() {
    stopped = true;
    listening = false;
    if (checkTimer >= 0) {
      vertx.cancelTimer(checkTimer);
    }
    return subscriber == null ? Future.succeededFuture() : subscriber.close();
  }
}
