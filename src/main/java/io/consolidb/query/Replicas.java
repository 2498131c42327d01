package io.consolidb.query;

import io.consolidb.config.DatabaseSettings;
import io.consolidb.config.ReplicaSettings;
import io.consolidb.config.SecretMasker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's read replicas ({@code DATABASE_READ_URL}): a pool per replica, and what is known of
 * each replica's progress, polled every {@code DB_REPLICA_POLL_MS}. Only built when replicas are
 * configured; without them the executor holds null and nothing here runs.
 *
 * <p><b>Lag.</b> "Time since the last replayed transaction" grows on an idle primary although the
 * replica lacks nothing, so it is not used. Instead every poll also reads the primary's WAL
 * position ({@code pg_current_wal_lsn()}, on a connection of its own, as each replica's poll is) into a short history of
 * (time, position) samples. A replica that has replayed position {@code r} lags by the age of the
 * oldest sample beyond {@code r}: how long ago the primary had WAL the replica has not replayed
 * yet. A replica that has replayed everything the primary had lags 0, however long nothing was
 * written. The figure is at most one poll interval short, and the byte distance to the newest
 * sample is reported beside it.
 *
 * <p><b>Routing.</b> {@link #choose(long)} answers the next usable replica in turn: its last poll
 * succeeded, it is in recovery, its lag is within {@code DB_REPLICA_MAX_LAG_MS}, and it has replayed
 * at least the LSN the read carries (read-your-writes). Otherwise null: the primary serves the read.
 * A replica whose connection fails is skipped at once ({@link #lost}) until a poll succeeds again.
 *
 * <p>Confined to the query verticle's event loop.
 */
final class Replicas {

  private static final Logger LOG = LoggerFactory.getLogger(Replicas.class);
  private static final String REPLAYED = "SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0')::int8";
  private static final String PRIMARY_POSITION = "SELECT (pg_current_wal_lsn() - '0/0')::int8";
  /** How often a replica that is down is tried again. */
  static final long DOWN_POLL_MS = 500;

  /** One replica: its pool and what the last poll saw. */
  static final class Target {
    final ReplicaSettings.Replica replica;
    final Pool pool;
    final PoolState state;
    /** One connection of its own for the polls: a pool busy with reads does not make the replica look down. */
    private Pool monitor;
    /** A fresh {@link #monitor}, for when a poll's connection hangs. */
    private final Supplier<Pool> newMonitor;
    /** Replayed position at the last successful poll; -1 before one. */
    long replayed = -1;
    boolean reachable;
    long lagNanos;
    long lagBytes;
    /** up, lagging or down: what health shows, logged when it changes. */
    String status = "down";
    String reason = "not polled yet";
    /** Whether {@link #status} has been logged: the first poll's outcome is, whatever it is. */
    private boolean logged;
    private boolean polling;
    /** Counts the polls sent: a late answer to a poll given up on does not end a newer one. */
    private long polls;
    /** A down replica is polled at most every {@link #DOWN_POLL_MS}: each refused attempt is a log line on its server. */
    private long nextPollNanos = System.nanoTime();

    Target(ReplicaSettings.Replica replica, Pool pool, PoolState state, Supplier<Pool> newMonitor) {
      this.replica = replica;
      this.pool = pool;
      this.state = state;
      this.newMonitor = newMonitor;
      this.monitor = newMonitor.get();
    }

    String name() {
      return replica.name();
    }
  }

  private final Vertx vertx;
  private final List<Target> targets = new ArrayList<>();
  /** The primary's position is read on a connection of its own; replaced as a replica's is. */
  private Pool monitor;
  private final Supplier<Pool> newMonitor;
  private final long maxLagNanos;
  private final long pollTimeoutMs;
  private final QueryMetrics metrics;
  private final long[] sampleNanos;
  private final long[] samplePositions;
  private int samples;
  private int nextSample;
  private boolean monitorPolling;
  private int turn;
  private long timer = -1;

  Replicas(Vertx vertx, DatabaseSettings settings, QueryMetrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    ReplicaSettings replicas = settings.replicas();
    this.maxLagNanos = TimeUnit.MILLISECONDS.toNanos(replicas.maxLagMs());
    this.pollTimeoutMs = settings.idleCheckTimeoutMs();
    for (ReplicaSettings.Replica replica : replicas.replicas()) {
      PoolOptions options = settings.replicaPoolOptions(replica);
      Pool pool = PgBuilder.pool().with(options).with(settings.netClientOptions())
          .connectingTo(settings.connectOptions(replica)).using(vertx).build();
      targets.add(new Target(replica, pool, new PoolState(options.getMaxSize(),
          Math.round(settings.poolTimeoutSeconds() * 1000),
          new IdleValidation(vertx, settings.validateIdleMs(), settings.idleCheckTimeoutMs())),
          () -> monitor(settings, "-replica-monitor-" + replica.name(), settings.connectOptions(replica))));
    }
    this.newMonitor = () -> monitor(settings, "-replica-monitor", settings.connectOptions());
    this.monitor = newMonitor.get();
    // twice the lag bound: a replica behind every sample is reported with at least that lag
    int capacity = (int) Math.min(10_000, Math.max(8, 2L * replicas.maxLagMs() / replicas.pollMs() + 4));
    this.sampleNanos = new long[capacity];
    this.samplePositions = new long[capacity];
    for (Target target : targets) {
      metrics.replicaLag(target.name(), () -> target.reachable ? target.lagNanos / 1e9 : Double.NaN);
    }
    timer = vertx.setPeriodic(0, replicas.pollMs(), id -> poll());
  }

  private Pool monitor(DatabaseSettings settings, String suffix, io.vertx.pgclient.PgConnectOptions connect) {
    return PgBuilder.pool().with(new PoolOptions().setName(DatabaseSettings.POOL_NAME + suffix).setMaxSize(1))
        .with(settings.netClientOptions()).connectingTo(connect).using(vertx).build();
  }

  /** The replicas, for the executor's per-target runs. */
  List<Target> targets() {
    return targets;
  }

  /**
   * The replica to serve a read that must see {@code minLsn} (0: any), in turn among the usable
   * ones; null when none is: the primary serves it.
   */
  Target choose(long minLsn) {
    int n = targets.size();
    for (int i = 0; i < n; i++) {
      Target target = targets.get((turn + i) % n);
      if (target.reachable && target.lagNanos <= maxLagNanos && Long.compareUnsigned(target.replayed, minLsn) >= 0) {
        turn = (turn + i + 1) % n;
        return target;
      }
    }
    return null;
  }

  /** A read on {@code target} could not reach it: no more reads until a poll succeeds. */
  void lost(Target target, Throwable failure) {
    target.reachable = false;
    change(target, "down", "a read lost its connection: " + SecretMasker.maskText(String.valueOf(failure.getMessage())));
  }

  /**
   * Reads the primary's position and each replica's progress. Each poll has its own connection,
   * one statement out at a time (a hung server is not sent a pile of them). A poll that times out
   * while its statement is still out gave up on a connection that may never answer (a half-open
   * one: the peer vanished, nothing closed it); that connection is closed and the next poll opens
   * a new one, so a replica is seen again as soon as it can be reached, not once TCP gives up on
   * the old connection many minutes later.
   */
  private void poll() {
    if (!monitorPolling) {
      monitorPolling = true;
      Pool polling = monitor;
      Future<Long> position = polling.query(PRIMARY_POSITION).execute().map(rows -> rows.iterator().next().getLong(0));
      position.timeout(pollTimeoutMs, TimeUnit.MILLISECONDS).onComplete(done -> {
        if (done.succeeded()) {
          sample(System.nanoTime(), done.result());
        } else if (!position.isComplete() && polling == monitor) {
          polling.close(); // first: the new pool has the same name (its metrics)
          monitor = newMonitor.get();
        }
        monitorPolling = false;
      });
    }
    long now = System.nanoTime();
    for (Target target : targets) {
      if (target.polling || "down".equals(target.status) && now - target.nextPollNanos < 0) {
        continue; // the previous poll is still out, or down: not yet
      }
      target.polling = true;
      target.nextPollNanos = now + TimeUnit.MILLISECONDS.toNanos(DOWN_POLL_MS);
      long poll = ++target.polls;
      Pool polling = target.monitor;
      Future<Row> polled = polling.query(REPLAYED).execute().map(rows -> rows.iterator().next());
      polled.timeout(pollTimeoutMs, TimeUnit.MILLISECONDS).onComplete(done -> {
        if (done.succeeded()) {
          observe(target, done.result());
        } else {
          target.reachable = false;
          change(target, "down", SecretMasker.maskText(String.valueOf(done.cause().getMessage())));
          if (!polled.isComplete() && polling == target.monitor) {
            polling.close();
            target.monitor = target.newMonitor.get();
            target.polling = false;
          }
        }
      });
      polled.onComplete(done -> {
        if (target.polls == poll) {
          target.polling = false;
        }
      });
    }
  }

  private void observe(Target target, Row row) {
    Boolean recovering = row.getBoolean(0);
    Long replayed = row.getLong(1);
    if (!Boolean.TRUE.equals(recovering) || replayed == null) {
      target.reachable = false;
      change(target, "down", "not in recovery: not a replica (promoted?)");
      return;
    }
    long now = System.nanoTime();
    target.replayed = replayed;
    target.lagNanos = lagNanos(replayed, now);
    target.lagBytes = samples == 0 ? 0 : Math.max(0, newestPosition() - replayed);
    target.reachable = true;
    if (target.lagNanos > maxLagNanos) {
      change(target, "lagging", "replay is " + TimeUnit.NANOSECONDS.toMillis(target.lagNanos)
          + " ms behind the primary (bound " + TimeUnit.NANOSECONDS.toMillis(maxLagNanos) + " ms)");
    } else {
      change(target, "up", null);
    }
  }

  private void sample(long nanos, long position) {
    sampleNanos[nextSample] = nanos;
    samplePositions[nextSample] = position;
    nextSample = (nextSample + 1) % sampleNanos.length;
    samples = Math.min(samples + 1, sampleNanos.length);
  }

  private long newestPosition() {
    return samplePositions[(nextSample - 1 + sampleNanos.length) % sampleNanos.length];
  }

  /** The age of the oldest sample beyond {@code replayed}; 0 when the replica has replayed them all. */
  long lagNanos(long replayed, long now) {
    int oldest = (nextSample - samples + sampleNanos.length) % sampleNanos.length;
    for (int i = 0; i < samples; i++) {
      int at = (oldest + i) % sampleNanos.length;
      if (samplePositions[at] > replayed) {
        return Math.max(0, now - sampleNanos[at]);
      }
    }
    return 0;
  }

  /**
   * Records a poll's outcome and logs each change of status once. The first outcome is logged too,
   * so a replica unreachable from the start (a wrong host, a full server) or first seen lagging
   * says so once, instead of staying silent behind its initial "down".
   */
  private void change(Target target, String status, String reason) {
    target.reason = reason;
    if (status.equals(target.status) && target.logged) {
      return;
    }
    target.status = status;
    target.logged = true;
    if ("up".equals(status)) {
      LOG.info("read replica {} is up: reads go to it", target.name());
    } else {
      LOG.warn("read replica {} is {}: its reads go to the primary ({})", target.name(), status, reason);
    }
  }

  /** {@code [{name, status, lag_ms, lag_bytes, replayed_lsn, reason?, pool}]} for health. */
  JsonArray toJson() {
    JsonArray out = new JsonArray();
    for (Target target : targets) {
      JsonObject json = new JsonObject()
          .put("name", target.name())
          .put("status", target.status)
          .put("lag_ms", target.reachable ? TimeUnit.NANOSECONDS.toMillis(target.lagNanos) : null)
          .put("lag_bytes", target.reachable ? target.lagBytes : null)
          .put("replayed_lsn", target.replayed < 0 ? null : Lsn.format(target.replayed))
          .put("pool", target.state.toJson(target.pool));
      if (target.reason != null) {
        json.put("reason", target.reason);
      }
      out.add(json);
    }
    return out;
  }

  Future<Void> close() {
    vertx.cancelTimer(timer);
    List<Future<Void>> closed = new ArrayList<>();
    closed.add(monitor.close());
    targets.forEach(target -> {
      closed.add(target.pool.close());
      closed.add(target.monitor.close());
    });
    return Future.join(closed).mapEmpty();
  }
}
