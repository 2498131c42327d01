package io.consolidb.query;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxBootstrap;
import io.vertx.core.spi.VertxServiceProvider;
import io.vertx.core.spi.context.storage.ContextLocal;

/**
 * Read-your-writes over HTTP (docs/OPERATIONS.md "Read replicas"): the LSN a request's reads must
 * see (its {@value #HEADER} header) and the LSN its writes reached, kept on the request's Vert.x
 * (duplicated) context. A service called in-process runs on that context, so every
 * {@link QueryClient} call it makes carries the first to the query verticle and records the
 * second from the reply; the HTTP verticle answers it in the same header.
 *
 * <p>A Vert.x service provider only so the context local is registered before any Vert.x
 * instance exists, as Vert.x requires.
 */
public final class ReadYourWrites implements VertxServiceProvider {

  /** The HTTP header: a write's LSN in the answer; in a request, the LSN its reads must see. */
  public static final String HEADER = Lsn.HEADER;

  static final ContextLocal<Positions> LOCAL = ContextLocal.registerLocal(Positions.class);

  /** One request's positions; confined to its context. */
  public static final class Positions {
    /** 0 (PostgreSQL's invalid LSN): none. Compared unsigned. */
    private final long readAfterPosition;
    private long writtenPosition;

    Positions(long readAfterPosition) {
      this.readAfterPosition = readAfterPosition;
    }

    /** The furthest LSN the request's writes reached, or null when it wrote nothing. */
    public String written() {
      return writtenPosition == 0 ? null : Lsn.format(writtenPosition);
    }
  }

  @Override
  public void init(VertxBootstrap builder) {
    // nothing: loading this class registered the context local
  }

  /**
   * Binds a request's positions to {@code context} (a request's own, duplicated context; the
   * event loop's shared one is left alone, and null is answered).
   *
   * @param readAfter the request's {@value #HEADER} header, or null
   * @throws IllegalArgumentException with a message for the client when the header is no LSN
   */
  public static Positions bind(Context context, String readAfter) {
    long position = readAfter == null ? 0 : Lsn.parse("the " + HEADER + " header", readAfter);
    if (!(context instanceof ContextInternal internal) || !internal.isDuplicate()) {
      return null;
    }
    Positions positions = new Positions(position);
    context.putLocal(LOCAL, positions);
    return positions;
  }

  /** The positions bound to the calling thread's context, or null. */
  static Positions current() {
    Context context = Vertx.currentContext();
    return context == null ? null : context.getLocal(LOCAL);
  }

  /**
   * The LSN the current request's reads must see, or null: the header's, or the request's own
   * writes' when further (a service that writes and then reads back sees its write).
   */
  static String readAfter(Positions positions) {
    if (positions == null) {
      return null;
    }
    long position = Lsn.max(positions.readAfterPosition, positions.writtenPosition);
    return position == 0 ? null : Lsn.format(position);
  }

  /** A write of the current request reached {@code lsn} (from a reply: always well formed). */
  static void wrote(Positions positions, String lsn) {
    if (positions != null && lsn != null) {
      positions.writtenPosition = Lsn.max(positions.writtenPosition, Lsn.parse(Lsn.REPLY_FIELD, lsn));
    }
  }
}
