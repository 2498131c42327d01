package io.consolidb.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.restaurant.RestaurantService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A call carries the moment its caller stops waiting ({@link CallDeadline}); a service refuses
 * one that arrives later (a member frozen with calls queued), without running it.
 */
class CallDeadlineTest {

  private final AtomicInteger served = new AtomicInteger();
  private Vertx vertx;

  @BeforeEach
  void publish() throws Exception {
    vertx = Vertx.vertx();
    RestaurantService counting = (RestaurantService) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {RestaurantService.class}, (proxy, method, args) -> {
          served.incrementAndGet();
          return Future.succeededFuture(new JsonObject().put("id", 7));
        });
    ServiceEndpoint.publish(vertx, new InProcessServices(), Addresses.RESTAURANTS, RestaurantService.class, counting)
        .await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a call past its deadline is refused with 504 and never runs")
  void expiredCall_refusedUnserved() {
    long gaveUp = System.currentTimeMillis() - CallDeadline.SKEW_ALLOWANCE_MS - 5_000;
    ReplyException refused = catchThrowableOfType(ReplyException.class, () -> vertx.eventBus()
        .request(Addresses.RESTAURANTS, new JsonObject().put("id", 7L), new DeliveryOptions()
            .addHeader("action", "delete").addHeader(CallDeadline.HEADER, Long.toString(gaveUp)))
        .await(10, TimeUnit.SECONDS));

    assertThat(refused.failureCode()).isEqualTo(FailureCodes.TIMED_OUT);
    assertThat(refused.getMessage()).contains("expired before it was served");
    assertThat(served).hasValue(0);
  }

  @Test
  @DisplayName("the generated proxies stamp every call with a deadline it is served within")
  void proxyCall_carriesADeadline_andIsServed() throws Exception {
    vertx.eventBus().addInboundInterceptor(delivery -> {
      if (Addresses.RESTAURANTS.equals(delivery.message().address())) {
        long deadline = Long.parseLong(delivery.message().headers().get(CallDeadline.HEADER));
        assertThat(deadline - System.currentTimeMillis()).isBetween(0L, 2_000L);
      }
      delivery.next();
    });

    JsonObject found = RestaurantService.createProxy(vertx, 2_000).get(7).await(10, TimeUnit.SECONDS);

    assertThat(found.getLong("id")).isEqualTo(7);
    assertThat(served).hasValue(1);
  }

  @Test
  @DisplayName("a call within the clock-skew allowance, or without a deadline, is served")
  void lateByLessThanTheSkewAllowance_orNoDeadline_served() throws Exception {
    long justPast = System.currentTimeMillis() - CallDeadline.SKEW_ALLOWANCE_MS / 2;
    vertx.eventBus().request(Addresses.RESTAURANTS, new JsonObject().put("id", 7L), new DeliveryOptions()
        .addHeader("action", "get").addHeader(CallDeadline.HEADER, Long.toString(justPast)))
        .await(10, TimeUnit.SECONDS);
    vertx.eventBus().request(Addresses.RESTAURANTS, new JsonObject().put("id", 7L),
        new DeliveryOptions().addHeader("action", "get")).await(10, TimeUnit.SECONDS);

    assertThat(served).hasValue(2);
  }
}
