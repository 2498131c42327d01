package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.pgclient.PgException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class SqlFailuresTest {

  @Test
  void execution_mapsIntegrityViolations() {
    assertThat(code("23505")).isEqualTo(FailureCodes.CONFLICT);
    assertThat(code("23503")).isEqualTo(FailureCodes.CONFLICT);
    assertThat(code("23502")).isEqualTo(FailureCodes.INVALID_INPUT);
    assertThat(code("23514")).isEqualTo(FailureCodes.INVALID_INPUT);
  }

  @Test
  void execution_mapsDataAndSyntaxClassesTo400() {
    assertThat(code("22P02")).isEqualTo(FailureCodes.INVALID_INPUT);
    assertThat(code("22999")).isEqualTo(FailureCodes.INVALID_INPUT);
    assertThat(code("42601")).isEqualTo(FailureCodes.INVALID_INPUT);
    assertThat(code("42P01")).isEqualTo(FailureCodes.INVALID_INPUT);
  }

  @Test
  void execution_mapsCancelToTimeoutAndServerTroubleTo503() {
    assertThat(code("57014")).isEqualTo(FailureCodes.TIMED_OUT);
    assertThat(code("57P01")).isEqualTo(FailureCodes.UNAVAILABLE);
    assertThat(code("57P03")).isEqualTo(FailureCodes.UNAVAILABLE);
    assertThat(code("08006")).isEqualTo(FailureCodes.UNAVAILABLE);
  }

  @Test
  void execution_marksOnlyTransientFailuresRetryable() {
    assertThat(SqlFailures.execution(pg("40001")).isTransient()).isTrue();
    assertThat(SqlFailures.execution(pg("40P01")).isTransient()).isTrue();
    assertThat(SqlFailures.execution(pg("57P03")).isTransient()).isTrue();
    assertThat(SqlFailures.execution(new ConnectException("Connection refused")).isTransient()).isTrue();
    assertThat(SqlFailures.execution(VertxException.noStackTrace("Connection was closed")).isTransient()).isTrue();
    assertThat(SqlFailures.execution(pg("23505")).isTransient()).isFalse();
    assertThat(SqlFailures.execution(pg("57014")).isTransient()).isFalse();
    assertThat(SqlFailures.execution(pg("42601")).isTransient()).isFalse();
  }

  @Test
  void execution_neverRepeatsTheDatabaseMessage() {
    PgException failure = new PgException("invalid input syntax for type integer: \"hunter2\"", "ERROR", "22P02",
        "detail hunter2");

    QueryFailure mapped = SqlFailures.execution(failure);

    assertThat(mapped.getMessage()).contains("22P02").doesNotContain("hunter2");
  }

  @Test
  void execution_rebuildsCoercionMessagesWithoutTheValue() {
    VertxException failure = VertxException.noStackTrace("Parameter at position[1] with class = [java.lang.String]"
        + " and value = [hunter2] can not be coerced to the expected class = [java.lang.Integer] for encoding.");

    assertThat(SqlFailures.execution(failure, new String[] {"city", "min"}).getMessage())
        .isEqualTo("parameter :min does not match the type the statement expects");
    assertThat(SqlFailures.execution(failure).getMessage())
        .isEqualTo("parameter $2 does not match the type the statement expects");
  }

  @Test
  void acquire_mapsPoolPressureTo429AndConnectFailuresTo503() {
    assertThat(SqlFailures.acquire(new ConnectionPoolTooBusyException("full"), 100).code())
        .isEqualTo(FailureCodes.BUSY);
    assertThat(SqlFailures.acquire(VertxException.noStackTrace("Timeout"), 100).code()).isEqualTo(FailureCodes.BUSY);
    QueryFailure refused = SqlFailures.acquire(new ConnectException("Connection refused"), 100);
    assertThat(refused.code()).isEqualTo(FailureCodes.UNAVAILABLE);
    assertThat(refused.isTransient()).isTrue();
  }

  private static int code(String sqlState) {
    return SqlFailures.execution(pg(sqlState)).code();
  }

  private static PgException pg(String sqlState) {
    return new PgException("message", "ERROR", sqlState, null);
  }
}
