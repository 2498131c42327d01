package io.consolidb.query;

import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.impl.SocketConnectionBase;
import io.vertx.sqlclient.internal.ArrayTuple;
import io.vertx.sqlclient.internal.Connection;
import io.vertx.sqlclient.internal.SqlConnectionInternal;

/**
 * The only place consolidb touches vertx-sql-client internals (5.0.x), each because the public
 * API cannot do the job:
 * <ul>
 *   <li>{@link TupleBase}: the client casts every bind tuple to its internal {@code ArrayTuple},
 *       so a tuple that converts JSON values on demand ({@link BindTuple}) must extend it;</li>
 *   <li>{@link #closeSocket}: {@code close()} on a pooled connection only returns it to the pool,
 *       and a close command would queue behind the running statement; a timed-out statement's
 *       connection must be cut at once (see {@link ConnectionTask}).</li>
 * </ul>
 * SqlClientInternalsTest exercises both against a real PostgreSQL, so an upgrade that moves or
 * changes them fails the build instead of silently leaking connections.
 */
final class SqlClientInternals {

  private SqlClientInternals() {
  }

  /** The base of {@link BindTuple}: the client's internal array tuple. */
  abstract static class TupleBase extends ArrayTuple {
    TupleBase(int size) {
      super(size);
    }
  }

  /** False when the physical connection under {@code connection} is already closed. */
  static boolean open(SqlConnection connection) {
    return physical(connection).isValid();
  }

  /**
   * Closes the socket under {@code connection} (not a return to the pool); false when this
   * client version does not expose it, and the caller must fall back to a plain close.
   */
  static boolean closeSocket(SqlConnection connection) {
    if (physical(connection) instanceof SocketConnectionBase socket) {
      socket.socket().close();
      return true;
    }
    return false;
  }

  /**
   * The physical connection under {@code connection}: the same object on every borrow of it from
   * the pool, where the {@link SqlConnection} is a new lease each time.
   */
  static Object identity(SqlConnection connection) {
    return physical(connection);
  }

  private static Connection physical(SqlConnection connection) {
    return ((SqlConnectionInternal) connection).unwrap().unwrap();
  }
}
