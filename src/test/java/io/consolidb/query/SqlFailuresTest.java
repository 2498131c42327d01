package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.TransactionRollbackException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

  @ParameterizedTest(name = "SQLSTATE {0}")
  @CsvSource(delimiter = '|', value = {
      "23505|409|duplicate value violates a unique constraint (SQLSTATE 23505)|false",
      "23503|409|foreign key constraint violated (SQLSTATE 23503)|false",
      "23P01|409|exclusion constraint violated (SQLSTATE 23P01)|false",
      "23502|400|null value not allowed (SQLSTATE 23502)|false",
      "23514|400|check constraint violated (SQLSTATE 23514)|false",
      "40001|409|serialization failure, try again (SQLSTATE 40001)|true",
      "40P01|409|deadlock detected, try again (SQLSTATE 40P01)|true",
      "57014|504|statement cancelled: it ran out of time (SQLSTATE 57014)|false",
      "57P01|503|database server shutting down (SQLSTATE 57P01)|true",
      "57P02|503|database server shutting down (SQLSTATE 57P02)|true",
      "57P03|503|database server not accepting connections yet (SQLSTATE 57P03)|true",
      "53300|503|database server has too many connections (SQLSTATE 53300)|true",
      "42601|400|SQL syntax error (SQLSTATE 42601)|false",
      "42P01|400|undefined table (SQLSTATE 42P01)|false",
      "42703|400|undefined column (SQLSTATE 42703)|false",
      "42883|400|undefined function or operator (SQLSTATE 42883)|false",
      "42804|400|data type mismatch (SQLSTATE 42804)|false",
      "42P18|400|cannot determine the type of a parameter (SQLSTATE 42P18)|false",
      "42501|400|insufficient privilege (SQLSTATE 42501)|false",
      "22P02|400|invalid input syntax for the target type (SQLSTATE 22P02)|false",
      "22001|400|value too long for its column (SQLSTATE 22001)|false",
      "22003|400|numeric value out of range (SQLSTATE 22003)|false",
      "22007|400|invalid date or time value (SQLSTATE 22007)|false",
      "22008|400|invalid date or time value (SQLSTATE 22008)|false",
      "22012|400|division by zero (SQLSTATE 22012)|false",
      "55P03|409|lock not available (SQLSTATE 55P03)|false",
      "23000|409|integrity constraint violated (SQLSTATE 23000)|false",
      "40002|409|transaction rolled back (SQLSTATE 40002)|false",
      "55006|409|object not in the required state (SQLSTATE 55006)|false",
      "22999|400|invalid data (SQLSTATE 22999)|false",
      "42999|400|invalid statement (SQLSTATE 42999)|false",
      "0A000|400|feature not supported (SQLSTATE 0A000)|false",
      "21000|400|statement rejected by the database (SQLSTATE 21000)|false",
      "25P02|400|statement rejected by the database (SQLSTATE 25P02)|false",
      "P0001|400|statement rejected by the database (SQLSTATE P0001)|false",
      "08006|503|database connection failure (SQLSTATE 08006)|true",
      "57000|503|database operator intervention (SQLSTATE 57000)|false",
      "XX000|503|database error (SQLSTATE XX000)|false",
      "1234|503|database error|false"})
  void fromSqlState_everyKnownStateAndClass(String state, int code, String message, boolean retry) {
    QueryFailure mapped = SqlFailures.execution(pg(state));
    assertThat(mapped.code()).isEqualTo(code);
    assertThat(mapped.getMessage()).isEqualTo(message);
    assertThat(mapped.isTransient()).isEqualTo(retry);
  }

  @Test
  void fromSqlState_namesTheConstraintOrColumnWhenTheServerGivesIt() {
    assertThat(SqlFailures.execution(pg("23505", "users_email_key", null)).getMessage())
        .isEqualTo("duplicate value violates a unique constraint (SQLSTATE 23505, constraint users_email_key)");
    assertThat(SqlFailures.execution(pg("23503", "fk_user", null)).getMessage())
        .isEqualTo("foreign key constraint violated (SQLSTATE 23503, constraint fk_user)");
    assertThat(SqlFailures.execution(pg("23P01", "no_overlap", null)).getMessage())
        .isEqualTo("exclusion constraint violated (SQLSTATE 23P01, constraint no_overlap)");
    assertThat(SqlFailures.execution(pg("23514", "rating_range", null)).getMessage())
        .isEqualTo("check constraint violated (SQLSTATE 23514, constraint rating_range)");
    assertThat(SqlFailures.execution(pg("23502", null, "name")).getMessage())
        .isEqualTo("null value not allowed (SQLSTATE 23502, column name)");
    assertThat(SqlFailures.execution(pg(null)).getMessage()).isEqualTo("database error");
    assertThat(SqlFailures.fromSqlState("23505", null).getMessage())
        .isEqualTo("duplicate value violates a unique constraint (SQLSTATE 23505)");
  }

  @Test
  void execution_otherFailures() {
    QueryFailure known = new QueryFailure(FailureCodes.BUSY, "busy");
    assertThat(SqlFailures.execution(known)).isSameAs(known);
    QueryFailure rolledBack = SqlFailures.execution(TransactionRollbackException.INSTANCE);
    assertThat(rolledBack.code()).isEqualTo(FailureCodes.CONFLICT);
    assertThat(rolledBack.getMessage()).isEqualTo("transaction rolled back by the database");
    QueryFailure arity = SqlFailures.execution(VertxException.noStackTrace(
        "The number of parameters to execute should be consistent with the expected number of parameters = [2]"
            + " but the actual number is [1]."));
    assertThat(arity.code()).isEqualTo(FailureCodes.INVALID_INPUT);
    assertThat(arity.getMessage()).isEqualTo("the statement expects 2 parameters, got 1");
    QueryFailure coercion = SqlFailures.execution(VertxException.noStackTrace("Parameter at position[2] with class"),
        new String[] {"a", "b"});
    assertThat(coercion.getMessage()).as("a position past the names").isEqualTo(
        "parameter $3 does not match the type the statement expects");
    QueryFailure other = SqlFailures.execution(new IllegalStateException("secret"));
    assertThat(other.code()).isEqualTo(FailureCodes.UNAVAILABLE);
    assertThat(other.getMessage()).isEqualTo("database request failed (IllegalStateException)");
    assertThat(other.isTransient()).isFalse();
    assertThat(SqlFailures.execution(new IllegalStateException()).getMessage())
        .isEqualTo("database request failed (IllegalStateException)");
  }

  @Test
  void isConnectionLost_looksThroughTheCauseChain() {
    assertThat(SqlFailures.isConnectionLost(new RuntimeException("x", new java.io.IOException("reset")))).isTrue();
    assertThat(SqlFailures.isConnectionLost(ClosedConnectionException.INSTANCE)).isTrue();
    assertThat(SqlFailures.isConnectionLost(new RuntimeException("Connection is not active now"))).isTrue();
    assertThat(SqlFailures.isConnectionLost(new RuntimeException(
        "Pending requests failed to be sent due to connection has been closed."))).isTrue();
    assertThat(SqlFailures.isConnectionLost(new RuntimeException("a", new RuntimeException("b")))).isFalse();
    assertThat(SqlFailures.isConnectionLost(new RuntimeException((String) null))).isFalse();
    assertThat(SqlFailures.isConnectionLost(null)).isFalse();
  }

  @Test
  void acquire_serverRefusals_retryOnlyWhenTheServerMayAcceptLater() {
    QueryFailure known = new QueryFailure(FailureCodes.TIMED_OUT, "late");
    assertThat(SqlFailures.acquire(known, 100)).isSameAs(known);
    assertThat(SqlFailures.acquire(VertxException.noStackTrace("Timeout"), 250).getMessage())
        .isEqualTo("connection pool busy: no connection free within 250 ms");
    assertThat(SqlFailures.acquire(new ConnectionPoolTooBusyException("full"), 100).getMessage())
        .isEqualTo("connection pool busy: too many requests waiting");
    for (String state : new String[] {"57P03", "53300", "08001"}) {
      QueryFailure refused = SqlFailures.acquire(pg(state), 100);
      assertThat(refused.code()).isEqualTo(FailureCodes.UNAVAILABLE);
      assertThat(refused.isTransient()).as(state).isTrue();
      assertThat(refused.getMessage()).isEqualTo("database refused the connection (SQLSTATE " + state + ")");
    }
    for (String state : new String[] {"28P01", "3D000", null}) {
      assertThat(SqlFailures.acquire(pg(state), 100).isTransient()).as(String.valueOf(state)).isFalse();
    }
    QueryFailure unreachable = SqlFailures.acquire(new ConnectException("refused"), 100);
    assertThat(unreachable.getMessage()).isEqualTo("database unreachable");
  }

  private static PgException pg(String sqlState, String constraint, String column) {
    return new PgException("message", "ERROR", sqlState, null, null, null, null, null, null, null, null, null, null,
        null, column, null, constraint);
  }

  private static int code(String sqlState) {
    return SqlFailures.execution(pg(sqlState)).code();
  }

  private static PgException pg(String sqlState) {
    return new PgException("message", "ERROR", sqlState, null);
  }
}
