package io.consolidb.query;

import static io.consolidb.FailureCodes.BUSY;
import static io.consolidb.FailureCodes.CONFLICT;
import static io.consolidb.FailureCodes.INVALID_INPUT;
import static io.consolidb.FailureCodes.TIMED_OUT;
import static io.consolidb.FailureCodes.UNAVAILABLE;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.TransactionRollbackException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates every database failure, once, into a {@link QueryFailure}: a
 * {@link io.consolidb.FailureCodes} code, a message safe for clients (the SQLSTATE and a short
 * reason, never SQL text, parameter values or credentials) and whether a retry may help.
 *
 * <table>
 *   <tr><th>failure</th><th>code</th><th>transient</th></tr>
 *   <tr><td>23505 unique, 23503 foreign key, 23P01 exclusion, other 23xxx</td><td>409</td><td>no</td></tr>
 *   <tr><td>23502 not null, 23514 check</td><td>400</td><td>no</td></tr>
 *   <tr><td>class 22 (data), 42 (syntax, undefined object), other statement errors</td><td>400</td><td>no</td></tr>
 *   <tr><td>40001 serialization failure, 40P01 deadlock (after retries)</td><td>409</td><td>yes</td></tr>
 *   <tr><td>57014 statement cancelled (our timeout, or the server's statement_timeout)</td><td>504</td><td>no</td></tr>
 *   <tr><td>pool wait queue full, pool acquire timeout</td><td>429</td><td>no</td></tr>
 *   <tr><td>connection refused/reset/closed, 08xxx, 57P01-57P03, 53300</td><td>503</td><td>yes</td></tr>
 * </table>
 *
 * Of the 503s, those that mean no session could be opened (refused, connect timeout, any refusal
 * while connecting, 53300, 57P03) are marked {@link QueryFailure#unreachable()}: the circuit
 * breaker counts only these.
 *
 * 40001/40P01 answer 409 rather than 503: the database is healthy, the statement lost a race with
 * another transaction and the caller may run it again; 503 would read as an outage.
 */
final class SqlFailures {

  private static final Pattern COERCION = Pattern.compile("Parameter at position\\[(\\d+)]");
  private static final Pattern ARITY =
      Pattern.compile("expected number of parameters = \\[(\\d+)] but the actual number is \\[(\\d+)]");

  private SqlFailures() {
  }

  /** The query's own deadline fired while it held a connection. */
  static QueryFailure timedOut(long timeoutMs) {
    return new QueryFailure(TIMED_OUT, "query timed out after " + timeoutMs + " ms (statement cancelled)");
  }

  /** A pipelined lookup's deadline fired (it cannot be cancelled alone; see PipelinedLookups). */
  static QueryFailure lookupTimedOut(long timeoutMs) {
    return new QueryFailure(TIMED_OUT, "lookup timed out after " + timeoutMs + " ms");
  }

  /** The query's own deadline fired before the pool handed it a connection. */
  static QueryFailure timedOutWaiting(long timeoutMs) {
    return new QueryFailure(TIMED_OUT, "query timed out after " + timeoutMs + " ms waiting for a connection");
  }

  /** Why {@code pool.getConnection()} failed. */
  static QueryFailure acquire(Throwable failure, long poolTimeoutMs) {
    if (failure instanceof QueryFailure known) {
      return known;
    }
    if (failure instanceof ConnectionPoolTooBusyException) {
      return new QueryFailure(BUSY, "connection pool busy: too many requests waiting");
    }
    if ("Timeout".equals(failure.getMessage())) {
      return new QueryFailure(BUSY, "connection pool busy: no connection free within " + poolTimeoutMs + " ms");
    }
    if (failure instanceof PgException pg) {
      // the server refused the session: authentication, unknown database, too many connections, starting up
      String state = pg.getSqlState();
      boolean retry = "57P03".equals(state) || "53300".equals(state) || state != null && state.startsWith("08");
      return new QueryFailure(UNAVAILABLE, "database refused the connection (SQLSTATE " + state + ")", retry, true, 0);
    }
    return unreachable();
  }

  /** No connection could be opened (refused, connect timeout): the database is out of reach. */
  static QueryFailure unreachable() {
    return new QueryFailure(UNAVAILABLE, "database unreachable", true, true, 0);
  }

  /** Why a statement failed on an acquired connection. */
  static QueryFailure execution(Throwable failure) {
    return execution(failure, null);
  }

  /**
   * Why a statement failed; {@code names} (nullable) are the named placeholders in {@code $n}
   * order, so a parameter that does not fit its column is reported by its name.
   */
  static QueryFailure execution(Throwable failure, String[] names) {
    if (failure instanceof QueryFailure known) {
      return known;
    }
    if (failure instanceof PgException pg) {
      return fromSqlState(pg.getSqlState(), pg);
    }
    if (failure instanceof TransactionRollbackException) {
      return new QueryFailure(CONFLICT, "transaction rolled back by the database");
    }
    if (isConnectFailure(failure)) {
      return unreachable(); // a pipelined client connects when a statement needs it
    }
    if (isConnectionLost(failure)) {
      return new QueryFailure(UNAVAILABLE, "database connection lost", true);
    }
    String message = failure.getMessage();
    if (message != null) {
      // the client's own message quotes the value: rebuild it without
      Matcher coercion = COERCION.matcher(message);
      if (coercion.find()) {
        int index = Integer.parseInt(coercion.group(1));
        String parameter = names != null && index < names.length ? ":" + names[index] : "$" + (index + 1);
        return new QueryFailure(INVALID_INPUT,
            "parameter " + parameter + " does not match the type the statement expects");
      }
      Matcher arity = ARITY.matcher(message);
      if (arity.find()) {
        return new QueryFailure(INVALID_INPUT,
            "the statement expects " + arity.group(1) + " parameters, got " + arity.group(2));
      }
    }
    return new QueryFailure(UNAVAILABLE, "database request failed (" + failure.getClass().getSimpleName() + ")");
  }

  static QueryFailure fromSqlState(String state, PgException pg) {
    if (state == null || state.length() != 5) {
      return new QueryFailure(UNAVAILABLE, "database error");
    }
    String where = " (SQLSTATE " + state + ")";
    String constraint = pg == null || pg.getConstraint() == null ? ""
        : " (SQLSTATE " + state + ", constraint " + pg.getConstraint() + ")";
    switch (state) {
      case "23505":
        return new QueryFailure(CONFLICT, "duplicate value violates a unique constraint" + orElse(constraint, where));
      case "23503":
        return new QueryFailure(CONFLICT, "foreign key constraint violated" + orElse(constraint, where));
      case "23P01":
        return new QueryFailure(CONFLICT, "exclusion constraint violated" + orElse(constraint, where));
      case "23502": {
        String column = pg == null || pg.getColumn() == null ? where
            : " (SQLSTATE " + state + ", column " + pg.getColumn() + ")";
        return new QueryFailure(INVALID_INPUT, "null value not allowed" + column);
      }
      case "23514":
        return new QueryFailure(INVALID_INPUT, "check constraint violated" + orElse(constraint, where));
      case "40001":
        return new QueryFailure(CONFLICT, "serialization failure, try again" + where, true);
      case "40P01":
        return new QueryFailure(CONFLICT, "deadlock detected, try again" + where, true);
      case "57014":
        return new QueryFailure(TIMED_OUT, "statement cancelled: it ran out of time" + where);
      case "57P01":
      case "57P02":
        return new QueryFailure(UNAVAILABLE, "database server shutting down" + where, true);
      case "57P03":
        return new QueryFailure(UNAVAILABLE, "database server not accepting connections yet" + where, true, true, 0);
      case "53300":
        return new QueryFailure(UNAVAILABLE, "database server has too many connections" + where, true, true, 0);
      case "42601":
        return new QueryFailure(INVALID_INPUT, "SQL syntax error" + where);
      case "42P01":
        return new QueryFailure(INVALID_INPUT, "undefined table" + where);
      case "42703":
        return new QueryFailure(INVALID_INPUT, "undefined column" + where);
      case "42883":
        return new QueryFailure(INVALID_INPUT, "undefined function or operator" + where);
      case "42804":
        return new QueryFailure(INVALID_INPUT, "data type mismatch" + where);
      case "42P18":
        return new QueryFailure(INVALID_INPUT, "cannot determine the type of a parameter" + where);
      case "42501":
        return new QueryFailure(INVALID_INPUT, "insufficient privilege" + where);
      case "22P02":
        return new QueryFailure(INVALID_INPUT, "invalid input syntax for the target type" + where);
      case "22001":
        return new QueryFailure(INVALID_INPUT, "value too long for its column" + where);
      case "22003":
        return new QueryFailure(INVALID_INPUT, "numeric value out of range" + where);
      case "22007":
      case "22008":
        return new QueryFailure(INVALID_INPUT, "invalid date or time value" + where);
      case "22012":
        return new QueryFailure(INVALID_INPUT, "division by zero" + where);
      case "55P03":
        return new QueryFailure(CONFLICT, "lock not available" + where);
      default:
        break;
    }
    return switch (state.substring(0, 2)) {
      case "23" -> new QueryFailure(CONFLICT, "integrity constraint violated" + where);
      case "40" -> new QueryFailure(CONFLICT, "transaction rolled back" + where);
      case "55" -> new QueryFailure(CONFLICT, "object not in the required state" + where);
      case "22" -> new QueryFailure(INVALID_INPUT, "invalid data" + where);
      case "42" -> new QueryFailure(INVALID_INPUT, "invalid statement" + where);
      case "0A" -> new QueryFailure(INVALID_INPUT, "feature not supported" + where);
      case "21", "26", "2F", "34", "38", "39", "3D", "3F", "44", "25", "2B", "P0" ->
          new QueryFailure(INVALID_INPUT, "statement rejected by the database" + where);
      case "08" -> new QueryFailure(UNAVAILABLE, "database connection failure" + where, true);
      case "57" -> new QueryFailure(UNAVAILABLE, "database operator intervention" + where);
      default -> new QueryFailure(UNAVAILABLE, "database error" + where);
    };
  }

  /**
   * A connection that could not be opened (refused, connect timeout), wherever in the cause chain
   * it hides. Unlike a connection lost on the way (reset, closed), which also happens to a healthy
   * server whose backends were terminated, this means the server cannot be reached now.
   */
  static boolean isConnectFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  /** Refused, reset or closed connections, wherever in the cause chain they hide. */
  static boolean isConnectionLost(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException || t instanceof IOException || t instanceof ClosedConnectionException) {
        return true;
      }
      String message = t.getMessage();
      if (message != null && (message.startsWith("Connection was closed")
          || message.startsWith("Connection is not active now")
          || message.startsWith("Pending requests failed to be sent due to connection has been closed"))) {
        return true;
      }
    }
    return false;
  }

  private static String orElse(String preferred, String fallback) {
    return preferred.isEmpty() ? fallback : preferred;
  }
}
