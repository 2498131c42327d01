package io.consolidb.bench;

import io.consolidb.config.NodeSettings;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.testsupport.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Latency of one service call at one request in flight, the shape of every cache-speedup scenario
 * ({@link RadiusLatency} for the radius query, the harness's top-restaurants report): an in-JVM
 * node whose cache settings decide where the answer comes from, called through a service client
 * ({@code createProxy}: in-process on the serving node) one call at a time from an event loop, every answer checked for its cache mark
 * ({@link RestaurantService#CACHE_MARK}).
 */
public final class ServiceLatency {

  private ServiceLatency() {
  }

  /** A node running {@code components} with these settings, on its own Vert.x. */
  public static ConsolidbNode start(NodeSettings settings, EnumSet<Component> components) throws Exception {
    // The cache verticle answers "off" by itself when settings.cache().enabled() is false.
    return ConsolidbNode.start(settings, components).await(60, TimeUnit.SECONDS);
  }

  /** The way the node's own callers (its HTTP API) reach {@code type}: in-process, no event-bus hop. */
  public static <T> T sameNode(ConsolidbNode node, Class<T> type, String address) {
    return node.inProcess().inProcessOrProxy(node.vertx(), type, address, 10_000);
  }

  /**
   * {@code calls} sequential calls, issued and timed on an event loop of {@code vertx} (a context
   * of its own, as a verticle of a backend service calling consolidb would); {@code check}
   * validates each answer (throws when wrong). {@code expectedMark} is the cache mark every answer
   * must carry ({@code HIT}, {@code MISS}, or null for a node without a cache); more than 1% of
   * answers with another mark fails the measurement (a few are legitimate: e.g. the LISTEN
   * connection was cut and the local tier dropped).
   */
  public static Latencies measure(Vertx vertx, Supplier<Future<JsonObject>> call, int calls, String expectedMark,
      Consumer<JsonObject> check) throws Exception {
    long[] nanos = new long[calls];
    int[] unexpected = {0};
    Promise<Void> done = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> next(call, nanos, 0, expectedMark, check, unexpected, done));
    done.future().await(10, TimeUnit.MINUTES);
    if (unexpected[0] > calls / 100) {
      throw new IllegalStateException(unexpected[0] + " of " + calls + " answers were not marked " + expectedMark);
    }
    Arrays.sort(nanos);
    return new Latencies(nanos, unexpected[0]);
  }

  private static void next(Supplier<Future<JsonObject>> call, long[] nanos, int i, String expectedMark,
      Consumer<JsonObject> check, int[] unexpected, Promise<Void> done) {
    if (i == nanos.length) {
      done.complete();
      return;
    }
    long started = System.nanoTime();
    call.get().timeout(10, TimeUnit.SECONDS).onComplete(answer -> {
      nanos[i] = System.nanoTime() - started;
      try {
        if (answer.failed()) {
          throw new IllegalStateException("call " + i + " failed", answer.cause());
        }
        if (!Objects.equals(expectedMark, TestNodes.cacheOutcome(answer.result()))) {
          unexpected[0]++;
        }
        check.accept(answer.result());
      } catch (RuntimeException wrong) {
        done.fail(wrong);
        return;
      }
      // the next call as a new task (outside the timed interval): a hit completes at once and
      // chaining it directly would recurse once per call
      Vertx.currentContext().runOnContext(v -> next(call, nanos, i + 1, expectedMark, check, unexpected, done));
    });
  }

  /** Deletes every key under {@code prefix} (SCAN + UNLINK; never FLUSH: Redis is shared). */
  public static void deleteKeys(String redisUrl, String prefix) {
    if (prefix == null || prefix.isEmpty() || prefix.equals("*")) {
      throw new IllegalArgumentException("refusing to delete without a key prefix");
    }
    Vertx vertx = Vertx.vertx();
    try {
      Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(redisUrl));
      String cursor = "0";
      do {
        Response page = redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(prefix + "*")
            .arg("COUNT").arg(1000)).await(30, TimeUnit.SECONDS);
        cursor = page.get(0).toString();
        Request unlink = Request.cmd(Command.UNLINK);
        boolean any = false;
        for (Response key : page.get(1)) {
          unlink.arg(key.toString());
          any = true;
        }
        if (any) {
          redis.send(unlink).await(30, TimeUnit.SECONDS);
        }
      } while (!"0".equals(cursor));
    } catch (Exception e) {
      throw new IllegalStateException("could not delete the keys under " + prefix, e);
    } finally {
      vertx.close();
    }
  }

  /** Sorted latencies of one measurement and how many answers had an unexpected cache mark. */
  public record Latencies(long[] sortedNanos, int unexpected) {

    /** The {@code p}th percentile in microseconds (nearest rank). */
    public double micros(double p) {
      int index = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
      return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, index))] / 1000.0;
    }

    public int calls() {
      return sortedNanos.length;
    }
  }
}
