package io.consolidb.chaos;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Clients that write the way the docs tell them to: every write carries an {@code Idempotency-Key}
 * and is retried with the same key after an answer that leaves the outcome open (no answer, 503,
 * 504) until it is acknowledged or {@link #RETRY_FOR} has passed. Half of them create restaurants
 * (the key is the name), half record analytics batches of {@value #BATCH} events (the key is in
 * each event's properties), so the database can tell afterwards which writes landed and how often.
 */
final class KeyedWriters implements AutoCloseable {

  static final int BATCH = 5;
  static final Duration RETRY_FOR = Duration.ofSeconds(60);

  private final Http http;
  private final String run;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;
  final Set<String> acknowledgedRestaurants = ConcurrentHashMap.newKeySet();
  final Set<String> acknowledgedBatches = ConcurrentHashMap.newKeySet();
  final AtomicInteger unclearFailures = new AtomicInteger();
  final AtomicInteger gaveUp = new AtomicInteger();
  final AtomicInteger retries = new AtomicInteger();
  /** When each write was acknowledged (epoch ms). */
  private final java.util.Queue<Long> acknowledgedAt = new java.util.concurrent.ConcurrentLinkedQueue<>();

  KeyedWriters(Http http, String run, int writers) {
    this.http = http;
    this.run = run;
    for (int w = 0; w < writers; w++) {
      int writer = w;
      Thread thread = new Thread(() -> write(writer), "keyed-writer-" + w);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  private void write(int writer) {
    for (int i = 0; running; i++) {
      String key = run + "-" + writer + "-" + i;
      boolean restaurant = writer % 2 == 0;
      String path = restaurant ? "/api/v1/restaurants" : "/api/v1/analytics/events";
      String body = restaurant ? restaurant(key) : batch(key);
      long deadline = System.nanoTime() + RETRY_FOR.toNanos();
      while (true) {
        Http.Answer answer = http.write("POST", path, body, Map.of("Idempotency-Key", key), Duration.ofSeconds(10));
        if (answer.ok()) {
          (restaurant ? acknowledgedRestaurants : acknowledgedBatches).add(key);
          acknowledgedAt.add(System.currentTimeMillis());
          break;
        }
        if (answer.status() != -1 && !answer.clearFailure()) {
          unclearFailures.incrementAndGet();
        }
        if (answer.status() >= 400 && answer.status() < 500 && answer.status() != 429 && answer.status() != 409) {
          break; // refused for good: not a fault of the database, nothing to retry
        }
        if (System.nanoTime() > deadline) {
          gaveUp.incrementAndGet();
          break;
        }
        retries.incrementAndGet();
        sleep(200);
      }
    }
  }

  /** The first acknowledgement at or after {@code epochMs}, or -1. */
  long firstAcknowledgedAfter(long epochMs) {
    return acknowledgedAt.stream().filter(t -> t >= epochMs).min(Long::compare).orElse(-1L);
  }

  static String restaurant(String key) {
    return "{\"name\":\"" + key + "\",\"city\":\"Chaos\",\"latitude\":40.7,\"longitude\":-74.0,\"price_range\":2}";
  }

  static String batch(String key) {
    StringBuilder events = new StringBuilder("[");
    for (int e = 0; e < BATCH; e++) {
      events.append(e == 0 ? "" : ",").append("{\"type\":\"view\",\"restaurant_id\":1,\"occurred_at\":\"")
          .append(Instant.now()).append("\",\"properties\":{\"chaos\":\"").append(key).append("\"}}");
    }
    return events.append(']').toString();
  }

  /** Stops starting new writes and waits for the ones under way (their retries included). */
  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread thread : threads) {
      thread.join(RETRY_FOR.toMillis() + 15_000);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Checks the database against what was acknowledged: every acknowledged write is there exactly
   * once, and no write of this run (acknowledged or not) is there twice.
   */
  void verify(ChaosEnv env, CaseResult result) throws Exception {
    long restaurantsMissing = 0;
    long batchesMissing = 0;
    try (var c = env.connect()) {
      for (String key : acknowledgedRestaurants) {
        try (var s = c.prepareStatement("SELECT count(*) FROM restaurants WHERE name = ?")) {
          s.setString(1, key);
          var rows = s.executeQuery();
          rows.next();
          restaurantsMissing += rows.getLong(1) == 0 ? 1 : 0;
        }
      }
      for (String key : acknowledgedBatches) {
        try (var s = c.prepareStatement("SELECT count(*) FROM analytics_events WHERE properties->>'chaos' = ?")) {
          s.setString(1, key);
          var rows = s.executeQuery();
          rows.next();
          batchesMissing += rows.getLong(1) < BATCH ? 1 : 0;
        }
      }
    }
    long restaurantsTwice = env.count("SELECT count(*) FROM (SELECT name FROM restaurants WHERE name LIKE '" + run
        + "-%' GROUP BY name HAVING count(*) > 1) twice");
    long batchesTwice = env.count("SELECT count(*) FROM (SELECT properties->>'chaos' FROM analytics_events"
        + " WHERE properties->>'chaos' LIKE '" + run + "-%' GROUP BY 1 HAVING count(*) > " + BATCH + ") twice");
    result.figure("acked_writes", acknowledgedRestaurants.size() + acknowledgedBatches.size())
        .figure("retries", retries.get())
        .figure("lost", restaurantsMissing + batchesMissing)
        .figure("doubled", restaurantsTwice + batchesTwice)
        .check(restaurantsMissing + batchesMissing == 0, "acknowledged writes missing")
        .check(restaurantsTwice + batchesTwice == 0, "writes present twice")
        .check(unclearFailures.get() == 0, unclearFailures.get() + " answers were neither success nor a clear problem")
        .check(acknowledgedRestaurants.size() + acknowledgedBatches.size() > 0, "nothing was acknowledged");
  }
}
