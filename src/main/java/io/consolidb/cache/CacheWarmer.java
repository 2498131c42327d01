package io.consolidb.cache;

import io.consolidb.config.WarmSettings;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the node's hottest keys cached (docs/CACHE.md, "Cache warming"):
 * <ul>
 *   <li>every {@code publishSeconds} it ranks the keys {@link HotKeys} counted, keeps the top N
 *       as the node's hot set and adds them to the cluster's {@link HotList} in Redis;</li>
 *   <li>at start ({@link #warmAtStart}) it reads the cluster's top N and fills them, at most
 *       {@code concurrency} at a time, until {@code budgetMs} is spent;</li>
 *   <li>after an invalidation has been applied ({@link #invalidated}) it fills the hot keys it
 *       dropped again by running their query (never by copying an old value), at most once per
 *       key per {@code cooldownMs}, the last invalidation of a burst always followed by one.</li>
 * </ul>
 * A fill goes through {@link NodeCache#warm}: the tiers' fences, the single flight and the tags
 * apply as to any read. Thread-safe: its small state is guarded by {@code this}.
 */
final class CacheWarmer {

  private static final Logger LOG = LoggerFactory.getLogger(CacheWarmer.class);
  /** Keys tracked per hot key kept: room for the warm-ups of the next ones. */
  private static final int TRACKED_PER_HOT_KEY = 8;
  private static final int MIN_TRACKED = 1024;
  /** One read in this many is counted on the read path. */
  static final int SAMPLE_EVERY = 8;

  /** Why a key is being filled: at start, or after an invalidation dropped it. */
  enum Reason { START, INVALIDATION }

  /** A refill's progress for one key (invalidation refills only). */
  private static final class Refill {
    final Replay replay;
    boolean queued;
    boolean running;
    /** Invalidated again while running: that fill was voided, one more follows. */
    boolean again;
    long timer = -1;
    /** Not before this; starts at now, not 0: {@code System.nanoTime()} may be negative. */
    long nextAllowedNanos = System.nanoTime();

    Refill(Replay replay) {
      this.replay = replay;
    }

    boolean idle(long now) {
      return !queued && !running && timer < 0 && now - nextAllowedNanos >= 0;
    }
  }

  private final Vertx vertx;
  private final WarmSettings settings;
  private final NodeCache cache;
  private final HotKeys hotKeys;
  /** Null without Redis: nothing is shared, the start is cold. */
  private final HotList list;
  private final Function<JsonObject, Future<JsonArray>> replayer;
  private final CacheMeters meters;
  private final long redisTimeoutMs;
  private final long publishTimer;
  /** The node's hot set, hottest first: what an invalidation re-fills. */
  private volatile Map<String, Replay> hot = Map.of();
  private final Map<String, Refill> refills = new HashMap<>(); // guarded by this
  private final ArrayDeque<String> queue = new ArrayDeque<>(); // guarded by this
  private int running; // guarded by this
  /** In the drain loop: a refill that completes at once must not drain recursively. */
  private boolean draining; // guarded by this
  private volatile boolean closed;

  CacheWarmer(Vertx vertx, WarmSettings settings, NodeCache cache, RedisTier redis,
      Function<JsonObject, Future<JsonArray>> replayer, CacheMeters meters, long redisTimeoutMs) {
    this.vertx = vertx;
    this.settings = settings;
    this.cache = cache;
    this.hotKeys = new HotKeys(Math.max(MIN_TRACKED, TRACKED_PER_HOT_KEY * settings.keys()), SAMPLE_EVERY);
    this.list = redis == null ? null : new HotList(redis);
    this.replayer = replayer;
    this.meters = meters;
    this.redisTimeoutMs = redisTimeoutMs;
    this.publishTimer = vertx.setPeriodic(TimeUnit.SECONDS.toMillis(settings.publishSeconds()), id -> publish());
  }

  HotKeys hotKeys() {
    return hotKeys;
  }

  /** The hot set's keys, hottest first (for stats and tests). */
  List<String> hotSet() {
    return List.copyOf(hot.keySet());
  }

  /**
   * Ranks the counted keys, makes the top N the node's hot set and adds them to the cluster's
   * list. A node that counted nothing since the last time leaves the list as it is (an idle node
   * must not fade what the others found hot). Never fails.
   */
  Future<Void> publish() {
    List<HotKeys.Hot> ranked = hotKeys.rank(settings.keys());
    if (ranked.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<String, Replay> set = new LinkedHashMap<>();
    ranked.forEach(h -> set.put(h.key(), h.replay()));
    hot = set;
    forgetIdleRefills();
    if (list == null || closed) {
      return Future.succeededFuture();
    }
    return list.publish(ranked, 2 * settings.keys(), settings.listTtlMs(), redisTimeoutMs)
        .onFailure(e -> LOG.debug("cache warming: could not share the hot keys: {}", e.toString()))
        .otherwiseEmpty();
  }

  /**
   * Fills the cluster's N hottest keys: at most {@code concurrency} at once, none started after
   * {@code budgetMs}; completes when all are done or the budget is spent (a fill still running
   * then completes later). Redis down or without a list: completes at once, the node starts cold.
   * Never fails.
   */
  Future<Void> warmAtStart() {
    if (list == null) {
      return Future.succeededFuture();
    }
    long started = System.nanoTime();
    long deadline = started + TimeUnit.MILLISECONDS.toNanos(settings.budgetMs());
    Promise<Void> done = Promise.promise();
    list.top(settings.keys(), settings.budgetMs()).onComplete(read -> {
      if (read.failed()) {
        LOG.info("cache warming: no hot list (Redis: {}); starting cold", read.cause().getMessage());
        done.complete();
        return;
      }
      Map<String, Replay> listed = new LinkedHashMap<>();
      for (HotList.Entry entry : read.result()) {
        Replay replay = entry.replayJson() == null ? null : Replay.fromJson(entry.key(), entry.replayJson());
        if (replay == null) {
          meters.warm(Reason.START, "skipped").increment();
        } else {
          listed.put(entry.key(), replay);
        }
      }
      if (hot.isEmpty()) {
        hot = listed; // invalidations re-fill these until the node has counted its own reads
      }
      new StartRun(listed, deadline, done).launch();
    });
    return done.future().andThen(v -> {
      long nanos = System.nanoTime() - started;
      meters.warmDuration(Reason.START).record(nanos, TimeUnit.NANOSECONDS);
      JsonObject counts = meters.warmStats(Reason.START);
      LOG.info("cache warming: start warm-up took {} ms ({} done, {} failed, {} skipped, {} queries so far)",
          TimeUnit.NANOSECONDS.toMillis(nanos), counts.getLong("done"), counts.getLong("failed"),
          counts.getLong("skipped"), counts.getLong("queries"));
    });
  }

  /** The start's fills: a fixed list, a concurrency bound and a deadline. */
  private final class StartRun {
    private final Iterator<Map.Entry<String, Replay>> next;
    private final long deadline;
    private final Promise<Void> done;
    private final int total;
    private int inFlight; // guarded by this
    private int finished; // guarded by this
    /** In the launch loop: a fill that completes at once must not launch recursively. */
    private boolean launching; // guarded by this

    StartRun(Map<String, Replay> keys, long deadline, Promise<Void> done) {
      this.next = new ArrayList<>(keys.entrySet()).iterator();
      this.total = keys.size();
      this.deadline = deadline;
      this.done = done;
      long leftMs = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      vertx.setTimer(Math.max(1, leftMs), id -> expire());
    }

    synchronized void launch() {
      if (total == 0) {
        done.tryComplete();
        return;
      }
      launching = true;
      try {
        while (inFlight < settings.concurrency() && next.hasNext() && !done.future().isComplete()) {
          Map.Entry<String, Replay> key = next.next();
          inFlight++;
          fill(key.getKey(), key.getValue(), Reason.START).onComplete(x -> finished());
        }
      } finally {
        launching = false;
      }
    }

    private synchronized void finished() {
      inFlight--;
      finished++;
      if (finished == total) {
        done.tryComplete();
      } else if (!launching) {
        launch();
      }
    }

    /** The budget is spent: what was not started is skipped; the start goes on. */
    private synchronized void expire() {
      if (done.future().isComplete()) {
        return;
      }
      int skipped = 0;
      while (next.hasNext()) {
        next.next();
        skipped++;
      }
      meters.warm(Reason.START, "skipped").increment(skipped);
      LOG.info("cache warming: the {} ms budget ran out with {} of {} hot keys not started", settings.budgetMs(),
          skipped, total);
      done.tryComplete();
    }
  }

  /**
   * An invalidation was applied (on this node's tiers): the hot keys it named are filled again.
   * Runs after the invalidation, so every fill reads data at least as new as the write's.
   */
  void invalidated(Invalidation invalidation) {
    Map<String, Replay> set = hot;
    if (set.isEmpty() || closed) {
      return;
    }
    Glob glob = invalidation.pattern() == null ? null : Glob.compile(invalidation.pattern());
    List<Map.Entry<String, Replay>> dropped = new ArrayList<>();
    for (Map.Entry<String, Replay> key : set.entrySet()) {
      if (invalidation.keys().contains(key.getKey()) || (glob != null && glob.matches(key.getKey()))
          || intersects(key.getValue().spec().tags(), invalidation.tags())) {
        dropped.add(key);
      }
    }
    dropped.forEach(key -> refill(key.getKey(), key.getValue()));
  }

  /** The whole local tier was dropped: every hot key is filled again. */
  void droppedAll() {
    if (!closed) {
      hot.forEach(this::refill);
    }
  }

  private static boolean intersects(Collection<String> a, Collection<String> b) {
    for (String tag : a) {
      if (b.contains(tag)) {
        return true;
      }
    }
    return false;
  }

  /** Queues a refill of {@code key}, or merges it into the one already due. */
  private synchronized void refill(String key, Replay replay) {
    Refill refill = refills.computeIfAbsent(key, k -> new Refill(replay));
    if (refill.running) {
      refill.again = true; // that fill is voided by this invalidation's fence
      meters.warm(Reason.INVALIDATION, "skipped").increment();
      return;
    }
    if (refill.queued || refill.timer >= 0) {
      meters.warm(Reason.INVALIDATION, "skipped").increment(); // the refill already due reads after this one
      return;
    }
    schedule(key, refill);
  }

  /** Queues {@code refill} now, or when its key's cool-down ends. */
  private void schedule(String key, Refill refill) {
    long wait = refill.nextAllowedNanos - System.nanoTime();
    if (wait > 0) {
      refill.timer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)), id -> {
        synchronized (this) {
          refill.timer = -1;
          enqueue(key, refill);
        }
      });
    } else {
      enqueue(key, refill);
    }
  }

  private void enqueue(String key, Refill refill) {
    if (closed) {
      return;
    }
    refill.queued = true;
    queue.add(key);
    drain();
  }

  private void drain() {
    if (draining) {
      return; // the loop below goes on
    }
    draining = true;
    try {
      drainQueue();
    } finally {
      draining = false;
    }
  }

  private void drainQueue() {
    while (running < settings.concurrency() && !queue.isEmpty()) {
      String key = queue.poll();
      Refill refill = refills.get(key);
      refill.queued = false;
      refill.running = true;
      refill.nextAllowedNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.cooldownMs());
      running++;
      long started = System.nanoTime();
      fill(key, refill.replay, Reason.INVALIDATION).onComplete(x -> {
        meters.warmDuration(Reason.INVALIDATION).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        synchronized (this) {
          running--;
          refill.running = false;
          if (refill.again) {
            refill.again = false;
            schedule(key, refill);
          }
          drain();
        }
      });
    }
  }

  /** Keys with a refill state kept (tests: the map stays bounded by the hot set). */
  synchronized int refillStates() {
    return refills.size();
  }

  /** Refill states with nothing due and their cool-down over are dropped (keeps the map to the hot set). */
  private synchronized void forgetIdleRefills() {
    long now = System.nanoTime();
    refills.values().removeIf(refill -> refill.idle(now));
  }

  /** Fills one key through the cache and counts the outcome; never fails. */
  private Future<NodeCache.Warmed> fill(String key, Replay replay, Reason reason) {
    return cache.warm(key, replay.spec(), new ReplayLoader(replay)).andThen(result -> {
      if (result.failed()) {
        LOG.debug("cache warming: the fill of {} failed: {}", key, result.cause().toString());
        meters.warm(reason, "failed").increment();
        return;
      }
      switch (result.result()) {
        case LOADED -> {
          meters.warmQueries(reason).increment();
          meters.warm(reason, "done").increment();
        }
        case COPIED, PRESENT -> meters.warm(reason, "done").increment();
        case VOIDED -> {
          meters.warmQueries(reason).increment();
          meters.warm(reason, "skipped").increment(); // an invalidation ran meanwhile: its own refill follows
        }
        default -> throw new IllegalStateException(result.result().name());
      }
    }).otherwiseEmpty();
  }

  /** Runs a replay's query through the node's query endpoint (no cache part: the cache fills itself). */
  private final class ReplayLoader extends RowsLoader {
    private final Replay replay;

    ReplayLoader(Replay replay) {
      this.replay = replay;
    }

    @Override
    public Future<JsonArray> load() {
      return replayer.apply(replay.request().copy().put("primary", true)); // a fill: never from a replica
    }
  }

  /** {@code {enabled, keys, hot, tracked, start: {…}, invalidation: {…}}} for the cache stats. */
  JsonObject stats() {
    return new JsonObject().put("enabled", true).put("keys", settings.keys()).put("hot", hot.size())
        .put("tracked", hotKeys.tracked())
        .put("start", meters.warmStats(Reason.START))
        .put("invalidation", meters.warmStats(Reason.INVALIDATION));
  }

  /** Stops the timers and shares the hot set one last time (a restarted node warms from it). */
  Future<Void> close() {
    vertx.cancelTimer(publishTimer);
    Future<Void> shared = publish();
    closed = true;
    synchronized (this) {
      refills.values().forEach(refill -> {
        if (refill.timer >= 0) {
          vertx.cancelTimer(refill.timer);
        }
      });
      queue.clear();
    }
    return shared;
  }
}
