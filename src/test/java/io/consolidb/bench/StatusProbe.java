package io.consolidb.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * Open-loop HTTP requests at a fixed rate, like {@link OpenLoop}, with each latency (from its
 * scheduled time: no coordinated omission) kept by the answer's status, so that the 429s of a
 * shedding node and its 200s are measured apart. Status 0 stands for a request that failed
 * without an answer.
 */
final class StatusProbe {

  /** The latencies in ms of one status's answers. */
  record Latencies(int count, double p50, double p99, double max) {
    JsonObject toJson() {
      return new JsonObject().put("count", count).put("p50_ms", Samples.round(p50)).put("p99_ms", Samples.round(p99))
          .put("max_ms", Samples.round(max));
    }
  }

  private StatusProbe() {
  }

  static Map<Integer, Latencies> run(String host, int port, int rate, int seconds, LongFunction<String> path)
      throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port)
          .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64));
      int total = rate * seconds;
      int[] statuses = new int[total];
      double[] latencies = new double[total];
      CountDownLatch done = new CountDownLatch(total);
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      long intervalNanos = 1_000_000_000L / rate;
      int[] sent = {0};
      vertx.setPeriodic(1, id -> {
        long now = System.nanoTime();
        while (sent[0] < total && start + sent[0] * intervalNanos <= now) {
          int i = sent[0]++;
          long scheduled = start + i * intervalNanos;
          client.request(HttpMethod.GET, path.apply(i))
              .compose(request -> request.send().compose(response -> response.body().map(response.statusCode())))
              .onComplete(ar -> {
                statuses[i] = ar.succeeded() ? ar.result() : 0;
                latencies[i] = (System.nanoTime() - scheduled) / 1e6;
                done.countDown();
              });
        }
        if (sent[0] == total) {
          vertx.cancelTimer(id);
        }
      });
      if (!done.await(seconds + 60L, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the probe did not finish");
      }
      Map<Integer, List<Double>> byStatus = new TreeMap<>();
      for (int i = 0; i < total; i++) {
        byStatus.computeIfAbsent(statuses[i], s -> new ArrayList<>()).add(latencies[i]);
      }
      Map<Integer, Latencies> result = new TreeMap<>();
      byStatus.forEach((status, values) -> {
        double[] array = values.stream().mapToDouble(Double::doubleValue).toArray();
        result.put(status, new Latencies(array.length, Load.percentile(array, 50), Load.percentile(array, 99),
            Load.percentile(array, 100)));
      });
      return result;
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  static JsonObject toJson(Map<Integer, Latencies> byStatus) {
    JsonObject json = new JsonObject();
    byStatus.forEach((status, latencies) -> json.put(status == 0 ? "no_answer" : status.toString(), latencies.toJson()));
    return json;
  }
}
