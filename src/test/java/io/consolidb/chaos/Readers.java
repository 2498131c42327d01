package io.consolidb.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/** Threads reading paths in a loop; counts failures and keeps latencies. */
final class Readers implements AutoCloseable {

  final Latencies latencies = new Latencies();
  final AtomicInteger ok = new AtomicInteger();
  final AtomicInteger failed = new AtomicInteger();
  final java.util.Map<Integer, AtomicInteger> byStatus = new java.util.concurrent.ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;

  /** {@code threads} readers of {@code path(random id in 1..ids)}. */
  Readers(Http http, int threads, int ids, IntFunction<String> path) {
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        while (running) {
          Http.Answer answer = http.get(path.apply(1 + ThreadLocalRandom.current().nextInt(ids)), Duration.ofSeconds(10));
          latencies.add(answer.millis());
          (answer.ok() ? ok : failed).incrementAndGet();
          byStatus.computeIfAbsent(answer.status(), s -> new AtomicInteger()).incrementAndGet();
        }
      }, "reader-" + t);
      thread.setDaemon(true);
      this.threads.add(thread);
      thread.start();
    }
  }

  String statuses() {
    return new java.util.TreeMap<>(byStatus).toString();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread thread : threads) {
      thread.join(15_000);
    }
  }
}
