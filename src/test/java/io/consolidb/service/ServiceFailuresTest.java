package io.consolidb.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.serviceproxy.ServiceException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ServiceFailuresTest {

  private final ServiceFailures failures = new ServiceFailures("test service",
      LoggerFactory.getLogger(ServiceFailuresTest.class), "refused", "conflicts");

  private static ServiceException cause(Future<?> future) {
    assertThat(future.failed()).isTrue();
    return (ServiceException) future.cause();
  }

  @Test
  void fromQuery_keepsTheCodeAndReplacesTheDatabaseText() {
    ServiceException db = new ServiceException(409, "duplicate key (email)=(ann@example.com)");
    assertThat(cause(failures.fromQuery("t.op", db)).getMessage()).isEqualTo("conflicts");
    assertThat(cause(failures.fromQuery("t.op", db, "email taken")).getMessage()).isEqualTo("email taken");
    assertThat(cause(failures.fromQuery("t.op", new ServiceException(400, "value x"))).getMessage()).isEqualTo("refused");
    assertThat(cause(failures.fromQuery("t.op", new ServiceException(504, "slow"))).failureCode()).isEqualTo(504);
  }

  @Test
  void fromQuery_unknownFailure_isMinusOne() {
    ServiceException mapped = cause(failures.fromQuery("t.op", new IllegalStateException("boom")));
    assertThat(mapped.failureCode()).isEqualTo(-1);
    assertThat(mapped.getMessage()).isEqualTo("unexpected failure in the test service");
  }

  @Test
  void guarded_thrownExceptions_becomeFailedFutures() {
    assertThat(cause(failures.guarded("m", () -> {
      throw new ServiceException(400, "bad id");
    })).failureCode()).isEqualTo(400);
    assertThat(cause(failures.guarded("m", () -> {
      throw new IllegalArgumentException("bug");
    })).failureCode()).isEqualTo(-1);
  }
}
