package io.consolidb.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * Open-loop HTTP load at a fixed rate: requests are sent on schedule whether or not earlier ones
 * have answered, and each latency is measured from its scheduled time, so a stall shows up in the
 * percentiles instead of slowing the sender down (no coordinated omission).
 */
final class OpenLoop {

  private OpenLoop() {
  }

  /** p50 and p99 in milliseconds of {@code rate} requests/s for {@code seconds}. */
  static double[] latencies(String host, int port, int rate, int seconds, LongFunction<String> path) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port)
          .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(256));
      int total = rate * seconds;
      double[] latencies = new double[total];
      AtomicInteger failures = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(total);
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      long intervalNanos = 1_000_000_000L / rate;
      int[] sent = {0};
      // A 1 ms ticker sends every request whose scheduled time has come.
      vertx.setPeriodic(1, id -> {
        long now = System.nanoTime();
        while (sent[0] < total && start + sent[0] * intervalNanos <= now) {
          int i = sent[0]++;
          long scheduled = start + i * intervalNanos;
          client.request(HttpMethod.GET, path.apply(i))
              .compose(request -> request.send().compose(response -> response.body().map(response.statusCode())))
              .onComplete(ar -> {
                if (ar.failed() || ar.result() != 200) {
                  failures.incrementAndGet();
                }
                latencies[i] = (System.nanoTime() - scheduled) / 1e6;
                done.countDown();
              });
        }
        if (sent[0] == total) {
          vertx.cancelTimer(id);
        }
      });
      if (!done.await(seconds + 60L, TimeUnit.SECONDS)) {
        throw new IllegalStateException("open-loop load did not finish");
      }
      if (failures.get() > total / 100) {
        throw new IllegalStateException(failures.get() + " of " + total + " requests failed");
      }
      return new double[] {Load.percentile(latencies, 50), Load.percentile(latencies, 99)};
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
