package io.consolidb.cache;

import io.consolidb.config.CacheSettings;
import io.consolidb.config.RedisFailure;
import io.consolidb.config.RedisSettings;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared tier: vertx-redis-client's pooled client behind a timeout on every call and a
 * circuit breaker. Thread-safe (the client is; the breaker state is atomic).
 *
 * <p>Breaker, written here rather than taken from vertx-circuit-breaker because recovery has to
 * do more than a probe: it must first replay the invalidations Redis missed while it was
 * unreachable, and only then let reads back in and drop the local tier.
 * <ul>
 *   <li>UP: calls go to Redis, each failing after {@code REDIS_TIMEOUT}. {@code failures}
 *       consecutive failures, or one failed invalidation (Redis may now hold an entry that
 *       should be gone), switch it DOWN. A write refused for lack of memory (OOM) is not a
 *       failure: Redis answered, and still serves reads and deletes.</li>
 *   <li>DOWN: calls fail at once without touching Redis (reads fall back to the local tier and
 *       PostgreSQL); invalidations are queued. Every {@code openSeconds} a probe PINGs Redis,
 *       replays the queued invalidations (or, after more than {@value #MAX_PENDING}, drops every
 *       key under the prefix), and switches UP; then the {@code onRecovered} callback runs.</li>
 * </ul>
 */
final class RedisTier {

  private static final Logger LOG = LoggerFactory.getLogger(RedisTier.class);
  static final int MAX_PENDING = 1000;
  private static final int SCAN_COUNT = 1000;
  /**
   * Most keys a tag set holds. A write's invalidation reads and unlinks a whole set within one
   * {@code REDIS_TIMEOUT}; a set grows with every distinct query under its tag (anonymous radius
   * reads with varying centres), so it is capped. Measured here (RedisTagSetTest, two busy cores):
   * invalidating a full set of 10k takes 29–91 ms, within the 250 ms default; the cost grows
   * with the set, so an uncapped one outgrows any timeout.
   */
  static final int MAX_TAG_MEMBERS = 10_000;
  /** Members a full set checks for expiry (EXISTS) before it refuses a key: bounds the script's cost. */
  static final int TAG_PRUNE_SAMPLE = 32;
  /**
   * KEYS[1] the entry, KEYS[2..] its tag sets; ARGV ttlMs, cap, prune sample. A set at the cap
   * first forgets a sample of members whose entries expired; still full, the entry is unlinked
   * and no set gets it. Otherwise every set gets it and lives as long as its longest-lived member
   * (PEXPIRE GT: only ever extended; NX: a set without a TTL gets one).
   */
  private static final String TAG_SCRIPT = """
      local cap = tonumber(ARGV[2])
      for i = 2, #KEYS do
        if redis.call('SISMEMBER', KEYS[i], KEYS[1]) == 0 and redis.call('SCARD', KEYS[i]) >= cap then
          for _, member in ipairs(redis.call('SRANDMEMBER', KEYS[i], tonumber(ARGV[3]))) do
            if redis.call('EXISTS', member) == 0 then
              redis.call('SREM', KEYS[i], member)
            end
          end
          if redis.call('SCARD', KEYS[i]) >= cap then
            redis.call('UNLINK', KEYS[1])
            return 0
          end
        end
      end
      for i = 2, #KEYS do
        redis.call('SADD', KEYS[i], KEYS[1])
        redis.call('PEXPIRE', KEYS[i], ARGV[1], 'GT')
        redis.call('PEXPIRE', KEYS[i], ARGV[1], 'NX')
      end
      return 1
      """;

  /** Failure of a call refused by the open breaker (no Redis round trip happened). */
  static final class Unavailable extends RuntimeException {
    Unavailable() {
      super("redis is unavailable (circuit open)", null, false, false);
    }
  }

  private static final Unavailable UNAVAILABLE = new Unavailable();

  private final Vertx vertx;
  private final RedisSettings settings;
  private final Redis redis;
  private final String prefix;
  private final String tagPrefix;
  private final long timeoutMs;
  private final int threshold;
  private final long openMs;
  private final Runnable onRecovered;
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private final AtomicLong downSince = new AtomicLong(); // 0 = UP
  private final AtomicLong lastOutOfMemoryWarning = new AtomicLong(-60_000);
  private final Counter errors;
  private final Counter refused;
  private final Deque<Invalidation> pending = new ArrayDeque<>(); // guarded by this
  private boolean pendingOverflow; // guarded by this
  private volatile boolean probing;
  private volatile boolean closed;

  RedisTier(Vertx vertx, RedisSettings redisSettings, CacheSettings cacheSettings, CacheMeters meters,
      Runnable onRecovered) {
    this.vertx = vertx;
    this.settings = redisSettings;
    this.redis = Redis.createClient(vertx, redisSettings.redisOptions());
    this.prefix = cacheSettings.keyPrefix();
    this.tagPrefix = prefix + "#tag:";
    this.timeoutMs = redisSettings.timeoutMs();
    this.threshold = cacheSettings.breakerFailures();
    this.openMs = cacheSettings.breakerOpenMs();
    this.onRecovered = onRecovered;
    this.errors = meters.redisCallFailures;
    this.refused = meters.redisRefused;
  }

  boolean up() {
    return downSince.get() == 0;
  }

  String prefix() {
    return prefix;
  }

  /** The stored bytes of {@code key}, or null when absent. Fails fast while DOWN. */
  Future<Buffer> get(String key) {
    return call(() -> redis.send(Request.cmd(Command.GET).arg(prefix + key)))
        .map(response -> response == null ? null : response.toBuffer());
  }

  /**
   * Stores a value for {@code ttlMs} (its TTL plus the time it may be served stale: the value's
   * stamp says when it stops being fresh) and adds its key to its tags' sets, in one round trip.
   */
  Future<Void> put(String key, Buffer stored, long ttlMs, List<String> tags) {
    String redisKey = prefix + key;
    List<Request> batch = new ArrayList<>(2);
    batch.add(Request.cmd(Command.SET).arg(redisKey).arg(stored).arg("PX").arg(ttlMs));
    if (!tags.isEmpty()) {
      batch.add(tagRequest(redisKey, ttlMs, tags));
    }
    return call(() -> redis.batch(batch)).mapEmpty();
  }

  /** KEYS[1] a lease, ARGV owner: deletes it only while {@code owner} holds it. */
  private static final String LEASE_RELEASE =
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
  /** KEYS[1] a lease, ARGV owner and milliseconds: extends it only while {@code owner} holds it. */
  private static final String LEASE_RENEW =
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

  /** True when {@code owner} now holds the lease on {@code key} for {@code ms} (SET NX PX). */
  Future<Boolean> tryLease(String key, String owner, long ms) {
    return call(() -> redis.send(Request.cmd(Command.SET).arg(leaseKey(key)).arg(owner).arg("NX").arg("PX").arg(ms)))
        .map(response -> response != null);
  }

  /** Extends {@code owner}'s lease on {@code key}; false when it no longer holds it. */
  Future<Boolean> renewLease(String key, String owner, long ms) {
    return call(() -> redis.send(Request.cmd(Command.EVAL).arg(LEASE_RENEW).arg(1).arg(leaseKey(key)).arg(owner).arg(ms)))
        .map(response -> response != null && response.toLong() == 1);
  }

  /** Gives {@code owner}'s lease on {@code key} back (a lease it lost meanwhile is left alone). */
  Future<Void> releaseLease(String key, String owner) {
    return call(() -> redis.send(Request.cmd(Command.EVAL).arg(LEASE_RELEASE).arg(1).arg(leaseKey(key)).arg(owner)))
        .mapEmpty();
  }

  /** Under the prefix and {@code #}, like the tag sets: no cache key can start with {@code #}. */
  private String leaseKey(String key) {
    return prefix + "#lease:" + key;
  }

  /**
   * Adds {@code redisKey} to its tags' sets unless one of them is full ({@value #MAX_TAG_MEMBERS}
   * members after pruning a sample of expired ones); then the entry is dropped instead: it is not
   * shared through Redis (the local tier may still hold it) and no invalidation has to find it.
   */
  private Request tagRequest(String redisKey, long ttlMs, List<String> tags) {
    Request eval = Request.cmd(Command.EVAL).arg(TAG_SCRIPT).arg(1 + tags.size()).arg(redisKey);
    tags.forEach(tag -> eval.arg(tagPrefix + tag));
    return eval.arg(ttlMs).arg(MAX_TAG_MEMBERS).arg(TAG_PRUNE_SAMPLE);
  }

  /**
   * Drops what the invalidation names: keys with UNLINK, a pattern with SCAN MATCH + UNLINK
   * (never KEYS, which blocks Redis), tags through their sets. Returns how many keys went. While
   * DOWN, or when it fails, the invalidation is queued for the recovery and the tier goes DOWN:
   * reads must not trust Redis until it has caught up.
   */
  Future<Long> invalidate(Invalidation invalidation) {
    synchronized (this) {
      // checked and queued under the lock the recovery switches UP under: none can fall in between
      if (!up()) {
        queue(invalidation);
        refused.increment();
        return Future.failedFuture(UNAVAILABLE);
      }
    }
    return apply(invalidation).onFailure(failure -> {
      queue(invalidation);
      goDown("an invalidation failed: " + RedisFailure.describe(settings, failure));
    });
  }

  /** Drops every key under the prefix (SCAN + UNLINK). */
  Future<Long> clear() {
    return deletePattern("*");
  }

  private Future<Long> apply(Invalidation invalidation) {
    Future<Long> total = Future.succeededFuture(0L);
    if (!invalidation.keys().isEmpty()) {
      List<String> keys = invalidation.keys().stream().map(k -> prefix + k).toList();
      total = total.compose(n -> unlink(keys).map(m -> n + m));
    }
    if (invalidation.pattern() != null) {
      total = total.compose(n -> deletePattern(invalidation.pattern()).map(m -> n + m));
    }
    for (String tag : invalidation.tags()) {
      total = total.compose(n -> deleteTag(tag).map(m -> n + m));
    }
    return total;
  }

  private Future<Long> unlink(List<String> redisKeys) {
    if (redisKeys.isEmpty()) {
      return Future.succeededFuture(0L);
    }
    Request unlink = Request.cmd(Command.UNLINK);
    redisKeys.forEach(unlink::arg);
    return timed(() -> redis.send(unlink)).map(r -> r == null ? 0L : r.toLong());
  }

  private Future<Long> deletePattern(String glob) {
    Promise<Long> done = Promise.promise();
    scan("0", prefix + glob, 0, done);
    return done.future();
  }

  private void scan(String cursor, String match, long deleted, Promise<Long> done) {
    timed(() -> redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(match)
        .arg("COUNT").arg(SCAN_COUNT)))
        .compose(page -> {
          String next = page.get(0).toString();
          List<String> keys = new ArrayList<>();
          for (Response key : page.get(1)) {
            keys.add(key.toString());
          }
          return unlink(keys).map(n -> new Object[] {next, n});
        })
        .onSuccess(step -> {
          String next = (String) step[0];
          long total = deleted + (Long) step[1];
          if ("0".equals(next)) {
            done.complete(total);
          } else {
            scan(next, match, total, done);
          }
        })
        .onFailure(done::fail);
  }

  /**
   * SMEMBERS, then UNLINK those keys and SREM exactly those members: a key added to the set
   * meanwhile (a fill racing this invalidation) keeps its membership, so a later invalidation of
   * the tag still finds it.
   */
  private Future<Long> deleteTag(String tag) {
    String setKey = tagPrefix + tag;
    return timed(() -> redis.send(Request.cmd(Command.SMEMBERS).arg(setKey))).compose(members -> {
      if (members == null || members.size() == 0) {
        return Future.succeededFuture(0L);
      }
      List<Long> total = new ArrayList<>();
      List<Request> batch = new ArrayList<>();
      List<String> chunk = new ArrayList<>();
      for (Response member : members) {
        chunk.add(member.toString());
        if (chunk.size() == 500) {
          addChunk(batch, setKey, chunk);
          chunk = new ArrayList<>();
        }
      }
      if (!chunk.isEmpty()) {
        addChunk(batch, setKey, chunk);
      }
      return timed(() -> redis.batch(batch)).map(replies -> {
        long n = 0;
        for (int i = 0; i < replies.size(); i += 2) { // UNLINK replies; SREM's in between
          Response r = replies.get(i);
          n += r == null ? 0 : r.toLong();
        }
        total.add(n);
        return n;
      });
    });
  }

  private static void addChunk(List<Request> batch, String setKey, List<String> members) {
    Request unlink = Request.cmd(Command.UNLINK);
    Request srem = Request.cmd(Command.SREM).arg(setKey);
    members.forEach(m -> {
      unlink.arg(m);
      srem.arg(m);
    });
    batch.add(unlink);
    batch.add(srem);
  }

  /**
   * One command through the breaker, given {@code timeoutMs} instead of {@code REDIS_TIMEOUT} (the
   * hot list's read at start may be a cold client's first call, which takes longer than a GET).
   */
  Future<Response> send(Request request, long timeoutMs) {
    return call(() -> redis.send(request), timeoutMs);
  }

  /** A call through the breaker: refused at once while DOWN, else timed and counted. */
  private <T> Future<T> call(Supplier<Future<T>> op) {
    return call(op, timeoutMs);
  }

  private <T> Future<T> call(Supplier<Future<T>> op, long timeoutMs) {
    if (!up()) {
      refused.increment();
      return Future.failedFuture(UNAVAILABLE);
    }
    return timed(op, timeoutMs).andThen(done -> {
      if (done.succeeded()) {
        consecutiveFailures.set(0);
      } else if (outOfMemory(done.cause())) {
        // Redis answered: it is reachable and still serves reads and deletes. Opening the breaker
        // would cost those hits, and a PING probe would close it again at once, dropping the
        // local tier each time (the flapping scripts/chaos.sh redis-oom showed).
        consecutiveFailures.set(0);
        warnOutOfMemory();
      } else if (consecutiveFailures.incrementAndGet() >= threshold) {
        goDown(threshold + " consecutive failures, last: " + RedisFailure.describe(settings, done.cause()));
      }
    });
  }

  /** Redis refused a write because it is at {@code maxmemory} with a no-eviction policy. */
  static boolean outOfMemory(Throwable failure) {
    String message = failure.getMessage();
    return message != null && message.contains("OOM command not allowed");
  }

  private void warnOutOfMemory() {
    long now = System.currentTimeMillis();
    long last = lastOutOfMemoryWarning.get();
    if (now - last >= 60_000 && lastOutOfMemoryWarning.compareAndSet(last, now)) {
      LOG.warn("cache: Redis is at maxmemory and refuses new entries (its eviction policy does not make room);"
          + " reads and invalidations still use it. Warned at most once a minute.");
    }
  }

  /** Every Redis round trip has a deadline: the client has none and a paused Redis never answers. */
  private <T> Future<T> timed(Supplier<Future<T>> op) {
    return timed(op, timeoutMs);
  }

  private <T> Future<T> timed(Supplier<Future<T>> op, long timeoutMs) {
    Future<T> call;
    try {
      call = op.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return call.timeout(timeoutMs, TimeUnit.MILLISECONDS).onFailure(e -> errors.increment());
  }

  private void goDown(String reason) {
    if (closed || !downSince.compareAndSet(0, System.currentTimeMillis())) {
      return;
    }
    LOG.warn("cache: Redis unavailable ({}); serving from the local tier and PostgreSQL,"
        + " probing again every {} ms", reason, openMs);
    scheduleProbe();
  }

  private void scheduleProbe() {
    if (!closed) {
      vertx.setTimer(openMs, id -> probe());
    }
  }

  /** PING, replay what Redis missed, then UP (half-open is this probe: nothing else gets through). */
  private void probe() {
    if (closed || probing) {
      return;
    }
    probing = true;
    long since = downSince.get();
    timed(() -> redis.send(Request.cmd(Command.PING)))
        .compose(pong -> replayPending())
        .onComplete(done -> {
          probing = false;
          if (done.failed()) {
            LOG.debug("cache: Redis probe failed: {}", RedisFailure.describe(settings, done.cause()));
            scheduleProbe();
            return;
          }
          consecutiveFailures.set(0);
          LOG.info("cache: Redis is back after {} ms", System.currentTimeMillis() - since);
          onRecovered.run();
        });
  }

  /**
   * Replays the queued invalidations, again and again while more arrive, and switches UP in the
   * same locked step that finds the queue empty (so steady writes during an outage cannot keep the
   * tier down, and none queued at the last moment is left unreplayed).
   */
  private Future<Void> replayPending() {
    List<Invalidation> batch;
    boolean overflow;
    synchronized (this) {
      if (pending.isEmpty() && !pendingOverflow) {
        downSince.set(0);
        return Future.succeededFuture();
      }
      batch = new ArrayList<>(pending);
      overflow = pendingOverflow;
    }
    Future<Long> replay = Future.succeededFuture(0L);
    if (overflow) {
      replay = clear();
    } else {
      for (Invalidation invalidation : batch) {
        replay = replay.compose(n -> apply(invalidation));
      }
    }
    return replay.compose(n -> {
      synchronized (this) {
        if (overflow) {
          // every key went: what was queued meanwhile (nothing is written to Redis while DOWN) too
          pendingOverflow = false;
          pending.clear();
        } else {
          for (int i = 0; i < batch.size() && !pending.isEmpty(); i++) {
            pending.removeFirst();
          }
        }
      }
      LOG.info("cache: replayed {} invalidation(s) Redis missed", overflow ? "all (dropped every key)" : batch.size());
      return replayPending();
    });
  }

  private synchronized void queue(Invalidation invalidation) {
    if (pendingOverflow) {
      return;
    }
    if (pending.size() >= MAX_PENDING) {
      pending.clear();
      pendingOverflow = true;
    } else {
      pending.addLast(invalidation);
    }
  }

  Future<Void> close() {
    closed = true;
    return redis.close();
  }
}
