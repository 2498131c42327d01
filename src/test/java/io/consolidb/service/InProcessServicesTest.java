package io.consolidb.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.restaurant.RestaurantService;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.serviceproxy.ServiceException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The same-node path of a service client: a fake {@link RestaurantService} (no database: the
 * mechanism is under test, not the service) published with {@link ServiceEndpoint}, called through
 * {@link InProcessServices#inProcessOrProxy} and, for comparison, {@link RestaurantService#createProxy}.
 */
class InProcessServicesTest {

  private final JsonObject answer = new JsonObject().put("id", 7).put("name", "Kosher Deli");
  private final AtomicReference<Thread> calledOn = new AtomicReference<>();
  /** The span current while the fake service ran. */
  private final AtomicReference<Span> currentInCall = new AtomicReference<>();
  private final InProcessServices inProcess = new InProcessServices();
  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("on the serving node a call runs on the caller's thread and the result is not copied")
  void callsInProcess() throws Exception {
    ServiceEndpoint.publish(vertx, inProcess, Addresses.RESTAURANTS, RestaurantService.class, new Fake())
        .await(10, TimeUnit.SECONDS);

    JsonObject result = client().get(7).await(10, TimeUnit.SECONDS);

    assertThat(result).isSameAs(answer);
    assertThat(calledOn.get()).isSameAs(Thread.currentThread());
    assertThat(inProcess.bound(Addresses.RESTAURANTS)).isTrue();
  }

  @Test
  @DisplayName("failures reach an in-process caller with the codes the event bus gives")
  void failuresMatchTheEventBus() throws Exception {
    ServiceEndpoint.publish(vertx, inProcess, Addresses.RESTAURANTS, RestaurantService.class, new Fake())
        .await(10, TimeUnit.SECONDS);
    RestaurantService sameNode = client();
    RestaurantService bus = RestaurantService.createProxy(vertx, 2000);

    for (RestaurantService client : new RestaurantService[] {sameNode, bus}) {
      ServiceException notFound = failure(client.get(404));
      assertThat(notFound.failureCode()).isEqualTo(FailureCodes.NOT_FOUND);
      assertThat(notFound.getMessage()).isEqualTo("restaurant 404 not found");
      assertThat(notFound.getDebugInfo()).isEqualTo(new JsonObject().put("parameter", "id"));
      ServiceException unexpected = failure(client.get(1));
      assertThat(unexpected.failureCode()).isEqualTo(-1);
      assertThat(unexpected.getMessage()).isEqualTo("boom");
      ServiceException thrown = failure(client.get(2));
      assertThat(thrown.failureCode()).isEqualTo(500);
      assertThat(thrown.getMessage()).isEqualTo("thrown");
    }
  }

  @Test
  @DisplayName("once the endpoint closes, the client goes over the event bus to whoever serves the address")
  void fallsBackToTheEventBus() throws Exception {
    ServiceEndpoint endpoint = ServiceEndpoint.publish(vertx, inProcess, Addresses.RESTAURANTS, RestaurantService.class,
        new Fake()).await(10, TimeUnit.SECONDS);
    RestaurantService client = client();
    endpoint.close().await(10, TimeUnit.SECONDS);

    assertThat(inProcess.bound(Addresses.RESTAURANTS)).isFalse();
    Throwable none = client.get(7).toCompletionStage().handle((ok, failure) -> failure)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(none).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) none).failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);

    // served elsewhere (here: only on the event bus): reached, as a copy, on an event loop
    new ServiceBinder(vertx).setAddress(Addresses.RESTAURANTS).register(RestaurantService.class, new Fake())
        .completion().await(10, TimeUnit.SECONDS);
    JsonObject result = client.get(7).await(10, TimeUnit.SECONDS);
    assertThat(result).isEqualTo(answer).isNotSameAs(answer);
    assertThat(calledOn.get()).isNotSameAs(Thread.currentThread());
  }

  @Test
  @DisplayName("a sampled in-process call is a span of its own, current in the call, with the rpc attributes; a failure marks it")
  void tracedCall_sampled() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    ServiceEndpoint.publish(vertx, inProcess, Addresses.RESTAURANTS, RestaurantService.class, new Fake())
        .await(10, TimeUnit.SECONDS);
    RestaurantService client = tracedClient(Sampler.parentBased(Sampler.alwaysOn()), spans);

    client.get(7).await(10, TimeUnit.SECONDS);
    failure(client.get(404));

    assertThat(spans.getFinishedSpanItems()).hasSize(2);
    SpanData ok = spans.getFinishedSpanItems().get(0);
    assertThat(ok.getName()).isEqualTo(Addresses.RESTAURANTS + " get");
    assertThat(ok.getKind()).isEqualTo(SpanKind.INTERNAL);
    assertThat(ok.getAttributes().asMap()).isEqualTo(Attributes.of(AttributeKey.stringKey("rpc.system"), "consolidb",
        AttributeKey.stringKey("rpc.service"), Addresses.RESTAURANTS, AttributeKey.stringKey("rpc.method"), "get",
        AttributeKey.stringKey("consolidb.hop"), "in-process").asMap());
    assertThat(ok.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(spans.getFinishedSpanItems().get(1).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(currentInCall.get().getSpanContext()).isEqualTo(spans.getFinishedSpanItems().get(1).getSpanContext());
  }

  @Test
  @DisplayName("an unsampled in-process call records nothing and leaves the caller's context current, its unsampled parent carried on")
  void tracedCall_notSampled() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    ServiceEndpoint.publish(vertx, inProcess, Addresses.RESTAURANTS, RestaurantService.class, new Fake())
        .await(10, TimeUnit.SECONDS);

    // a new trace not sampled: the call answers, nothing is recorded, no span becomes current
    JsonObject result = tracedClient(Sampler.parentBased(Sampler.alwaysOff()), spans).get(7)
        .await(10, TimeUnit.SECONDS);
    assertThat(result).isSameAs(answer);
    assertThat(currentInCall.get().getSpanContext().isValid()).isFalse();

    // a caller whose trace is not sampled: that context stays current, so a hop made by the call
    // propagates the trace id with the unsampled flag
    SpanContext parent = SpanContext.createFromRemoteParent("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
        TraceFlags.getDefault(), TraceState.getDefault());
    RestaurantService client = tracedClient(Sampler.parentBased(Sampler.alwaysOn()), spans);
    try (Scope scope = Span.wrap(parent).makeCurrent()) {
      client.get(7).await(10, TimeUnit.SECONDS);
    }
    assertThat(currentInCall.get().getSpanContext()).isEqualTo(parent);
    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }

  private RestaurantService tracedClient(Sampler sampler, InMemorySpanExporter spans) {
    Tracer tracer = SdkTracerProvider.builder().setSampler(sampler).addSpanProcessor(SimpleSpanProcessor.create(spans))
        .build().get("test");
    return inProcess.inProcessOr(RestaurantService.class, Addresses.RESTAURANTS,
        RestaurantService.createProxy(vertx, 2000), tracer);
  }

  private RestaurantService client() {
    return inProcess.inProcessOrProxy(vertx, RestaurantService.class, Addresses.RESTAURANTS, 2000);
  }

  private static ServiceException failure(Future<JsonObject> call) throws Exception {
    Throwable failure = call.toCompletionStage().handle((ok, f) -> f).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(failure).isInstanceOf(ServiceException.class);
    return (ServiceException) failure;
  }

  /** get(7) answers; 404 is a domain failure, 1 an unexpected one, 2 throws. */
  private final class Fake implements RestaurantService {

    @Override
    public Future<JsonObject> get(long id) {
      calledOn.set(Thread.currentThread());
      currentInCall.set(Span.current());
      if (id == 404) {
        return Future.failedFuture(new ServiceException(404, "restaurant 404 not found",
            new JsonObject().put("parameter", "id")));
      }
      if (id == 1) {
        return Future.failedFuture(new IllegalStateException("boom"));
      }
      if (id == 2) {
        throw new IllegalArgumentException("thrown");
      }
      return Future.succeededFuture(answer);
    }

    @Override
    public Future<JsonObject> near(double latitude, double longitude, double radiusKm, int limit) {
      return Future.failedFuture("unused");
    }

    @Override
    public Future<JsonObject> byCity(String city, int page, int size) {
      return Future.failedFuture("unused");
    }

    @Override
    public Future<JsonObject> search(String query, int limit) {
      return Future.failedFuture("unused");
    }

    @Override
    public Future<JsonObject> nearFiltered(double latitude, double longitude, double radiusKm, int limit, JsonObject filters) {
      return near(latitude, longitude, radiusKm, limit);
    }

    @Override
    public Future<JsonObject> byCityFiltered(String city, int page, int size, JsonObject filters) {
      return byCity(city, page, size);
    }

    @Override
    public Future<JsonObject> byCityAfter(String city, String cursor, int size, JsonObject filters) {
      return byCity(city, 1, size);
    }

    @Override
    public Future<JsonObject> searchFiltered(String query, int limit, JsonObject filters) {
      return search(query, limit);
    }

    @Override
    public Future<JsonObject> create(JsonObject restaurant) {
      return Future.failedFuture("unused");
    }

    @Override
    public Future<JsonObject> update(long id, JsonObject changes) {
      return Future.failedFuture("unused");
    }

    @Override
    public Future<JsonObject> delete(long id) {
      return Future.failedFuture("unused");
    }

    @Override
    public Future<JsonObject> createIdempotent(JsonObject restaurant, String idempotencyKey) {
      return create(restaurant);
    }

    @Override
    public Future<JsonObject> updateIdempotent(long id, JsonObject changes, String idempotencyKey) {
      return update(id, changes);
    }

    @Override
    public Future<JsonObject> deleteIdempotent(long id, String idempotencyKey) {
      return delete(id);
    }
  }
}
