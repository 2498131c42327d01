package io.consolidb.cluster;

import io.consolidb.Addresses;
import io.consolidb.config.ClusterSettings;
import io.consolidb.restaurant.RestaurantService;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceProxyBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A process that joins the Hazelcast cluster with the right name but is not a trusted member:
 * no cluster secret, and either no event-bus certificate or one from another CA, or a valid
 * certificate (an application that may connect) without a member's token. Run by the trust tests
 * as a separate JVM ({@code testsupport.JavaProcess}); it reports on lines starting with
 * {@code >> } and takes commands on standard input:
 * <ul>
 *   <li>{@code create}: creates a restaurant through the generated proxy;</li>
 *   <li>{@code register}: puts a handler of its own on the restaurant service's address;</li>
 *   <li>{@code invalidate}: publishes a cache invalidation of every key;</li>
 *   <li>{@code served}: how many service calls its own handler on the restaurant address got;</li>
 *   <li>{@code quit}.</li>
 * </ul>
 * Arguments: {@code hazelcastPort members [certPath keyPath caPath [token]]}.
 */
public final class RogueMember {

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    List<String> members = Arrays.asList(args[1].split(","));
    ClusterSettings.Tls tls = args.length >= 5 ? new ClusterSettings.Tls(args[2], args[3], args[4])
        : ClusterSettings.Tls.NONE;
    String token = args.length >= 6 ? args[5] : null;
    ClusterSettings settings = new ClusterSettings(true, "127.0.0.1", port, members, "", 0, tls, "", 0, 6);
    Vertx vertx = Vertx.builder().with(new VertxOptions().setEventBusOptions(HazelcastClusterConfig.eventBusOptions(settings)))
        .withClusterManager(HazelcastClusterConfig.clusterManager(settings)).buildClustered().await(60, TimeUnit.SECONDS);
    report("joined");
    AtomicLong served = new AtomicLong();
    ServiceProxyBuilder builder = new ServiceProxyBuilder(vertx).setAddress(Addresses.RESTAURANTS)
        .setOptions(new DeliveryOptions().setSendTimeout(5000));
    if (token != null) {
      builder.setToken(token);
    }
    RestaurantService restaurants = builder.build(RestaurantService.class);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String command = in.readLine(); command != null && !command.equals("quit"); command = in.readLine()) {
      switch (command) {
        case "create" -> {
          try {
            JsonObject created = restaurants.create(new JsonObject().put("name", "Rogue Diner").put("city", "Nowhere")
                .put("latitude", 1.0).put("longitude", 1.0)).await(10, TimeUnit.SECONDS);
            report("create ok " + created.getValue("id"));
          } catch (ReplyException e) {
            report("create failed " + e.failureType() + " " + e.failureCode());
          } catch (Exception e) {
            report("create failed " + e.getClass().getSimpleName());
          }
        }
        case "invalidate" -> {
          vertx.eventBus().publish(Addresses.CACHE_INVALIDATIONS,
              new JsonObject().put("pattern", "*").put("origin", "rogue"));
          report("invalidated");
        }
        case "register" -> {
          // after a create: with a handler of its own, its own sends could be served locally
          vertx.eventBus().<JsonObject>consumer(Addresses.RESTAURANTS, message -> {
            served.incrementAndGet();
            message.reply(new JsonObject().put("id", -1).put("name", "rogue"));
          }).completion().await(30, TimeUnit.SECONDS);
          report("registered");
        }
        case "served" -> report("served " + served.get());
        default -> report("unknown " + command);
      }
    }
    vertx.close().await(30, TimeUnit.SECONDS);
    System.exit(0);
  }

  private static void report(String line) {
    System.out.println(">> " + line);
    System.out.flush();
  }
}
