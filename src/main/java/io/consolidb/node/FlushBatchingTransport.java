package io.consolidb.node;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.impl.transports.NioTransport;
import io.vertx.core.transport.Transport;

/**
 * Vert.x's NIO transport, with Netty's {@link FlushConsolidationHandler} on every connection the
 * node opens: to PostgreSQL, Redis, the other members' event buses, the span collector.
 *
 * <p>Why: Vert.x flushes a write made on a connection's own event loop at once, unless that
 * connection is reading. The event bus opens its connection to another member on the loop that
 * first sends to it, the service answers on its loop, and the lookup lanes write to PostgreSQL
 * from the loop that asked; so under load every event-bus message went out as a TLS record and a
 * write system call of its own, and every pipelined lookup as a system call of its own. The
 * handler holds such a flush until the loop has run the tasks already queued (or 256 flushes have
 * come) and then flushes once: the same bytes in the same order, in fewer records and system
 * calls (docs/BENCHMARKS.md, item 16). A flush during a read is Vert.x's as before, once at the
 * read's end.
 *
 * <p>The handler sits right after the TLS handler where the connection has one, so that a batch
 * is encrypted as one record rather than one per message, and first in the pipeline otherwise (a
 * TLS handler added later, as PostgreSQL's TLS upgrade adds it, goes in front of it). Connections
 * the node accepts (its HTTP server, its event-bus server) are left as Vert.x makes them: their
 * writes answer reads, which Vert.x already flushes once per read.
 *
 * <p>A subclass of Vert.x's {@code NioTransport} (an internal class, as of 5.0.7) because Vert.x
 * tells NIO from a native transport by that type; {@code FlushBatchingTransportTest} fails if
 * an upgrade changes what this relies on.
 */
final class FlushBatchingTransport extends NioTransport {

  /** The name of the handler in a connection's pipeline. */
  static final String HANDLER_NAME = "flush-consolidation";

  /** What {@code VertxBuilder.withTransport} takes. */
  static final Transport TRANSPORT = new Transport() {
    private final FlushBatchingTransport implementation = new FlushBatchingTransport();

    @Override
    public String name() {
      return "nio";
    }

    @Override
    public boolean available() {
      return true;
    }

    @Override
    public Throwable unavailabilityCause() {
      return null;
    }

    @Override
    public io.vertx.core.spi.transport.Transport implementation() {
      return implementation;
    }
  };

  private FlushBatchingTransport() {
  }

  @Override
  public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
    ChannelFactory<? extends Channel> plain = super.channelFactory(domainSocket);
    return () -> {
      Channel channel = plain.newChannel();
      channel.pipeline().addFirst(new Installer());
      return channel;
    };
  }

  /**
   * Puts the handler in place once the connection is up: by then Vert.x has added the TLS handler
   * of a connection that starts with TLS, and the handler must go after it.
   */
  private static final class Installer extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ChannelPipeline pipeline = ctx.pipeline();
      ChannelHandlerContext tls = pipeline.context(SslHandler.class);
      pipeline.addAfter(tls != null ? tls.name() : ctx.name(), HANDLER_NAME,
          new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
      pipeline.remove(this);
      ctx.fireChannelActive();
    }
  }
}
