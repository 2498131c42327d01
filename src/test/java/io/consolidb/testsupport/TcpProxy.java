package io.consolidb.testsupport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-process TCP proxy on 127.0.0.1 for network fault tests (README "Tests"): point a client
 * at {@link #port()} instead of the real server, then break the path between them.
 *
 * <ul>
 *   <li>{@link #freeze()}: a hung peer; connections stay open but no byte moves in either
 *       direction (new connections are accepted and hang too). {@link #thaw()} delivers what
 *       was held back, as TCP would after a healed partition.</li>
 *   <li>{@link #refuse()}: the port closes, so new connections are refused, and open ones are
 *       closed; {@link #accept()} listens again on the same port.</li>
 *   <li>{@link #dropConnections()}: open connections are reset (RST) on both sides.</li>
 *   <li>{@link #halfOpen()}: the connections open now go silent for good, as when the peer
 *       vanished or a firewall drops their packets: bytes sent either way are read and thrown
 *       away, nothing is closed, no FIN or RST is sent. New connections pass normally.</li>
 * </ul>
 *
 * Non-blocking (Vert.x {@link NetServer}/{@link NetClient}); the fault methods may be called
 * from any thread.
 */
public final class TcpProxy {

  private static final String HOST = "127.0.0.1";

  private final Vertx vertx;
  private final String listenHost;
  private final String targetHost;
  private final int targetPort;
  private final NetClient client;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private volatile NetServer server;
  private volatile int port;
  private volatile boolean refusing;
  private boolean frozen; // guarded by this

  private TcpProxy(Vertx vertx, String listenHost, String targetHost, int targetPort) {
    this.vertx = vertx;
    this.listenHost = listenHost;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5_000));
  }

  /** Starts a proxy to {@code targetHost:targetPort} listening on an ephemeral local port. */
  public static Future<TcpProxy> start(Vertx vertx, String targetHost, int targetPort) {
    return startOn(vertx, HOST, targetHost, targetPort);
  }

  /**
   * A proxy listening on another loopback address ({@code 127.0.0.2}: Linux answers the whole
   * 127/8 on the loopback interface), for a server reached under a name its certificate lacks.
   */
  public static Future<TcpProxy> startOn(Vertx vertx, String listenHost, String targetHost, int targetPort) {
    TcpProxy proxy = new TcpProxy(vertx, listenHost, targetHost, targetPort);
    return proxy.listen(0).map(proxy);
  }

  /** The local port clients should connect to; unchanged by {@link #refuse()}/{@link #accept()}. */
  public int port() {
    return port;
  }

  /** Connections open through the proxy now (each client connection with its target side). */
  public int openConnections() {
    return links.size();
  }

  /** Stops forwarding in both directions without closing anything. */
  public synchronized void freeze() {
    frozen = true;
    links.forEach(Link::pause);
  }

  /** Forwards again, including the bytes held back while frozen. */
  public synchronized void thaw() {
    frozen = false;
    links.forEach(Link::resume);
  }

  /**
   * Closes the listening socket (new connections get "connection refused") and the open
   * connections. The returned future completes once the port is closed.
   */
  public Future<Void> refuse() {
    refusing = true;
    NetServer listening = server;
    server = null;
    List.copyOf(links).forEach(Link::close);
    return listening == null ? Future.succeededFuture() : listening.close();
  }

  /** Listens again on the same port after {@link #refuse()}; does nothing if listening. */
  public Future<Void> accept() {
    if (server != null) {
      return Future.succeededFuture();
    }
    refusing = false;
    return listen(port).mapEmpty();
  }

  /**
   * Silently drops every byte of the connections open now, in both directions and for good; the
   * sockets stay open. Connections made afterwards are forwarded as usual.
   */
  public void halfOpen() {
    links.forEach(Link::silence);
  }

  /** Resets (RST, not FIN) every open connection, on the client and the target side. */
  public void dropConnections() {
    List.copyOf(links).forEach(Link::reset);
  }

  /** Stops listening, closes every connection and the outbound client. */
  public Future<Void> close() {
    return refuse().eventually(client::close);
  }

  private Future<TcpProxy> listen(int listenPort) {
    NetServer candidate =
        vertx.createNetServer(new NetServerOptions().setHost(listenHost).setPort(listenPort));
    candidate.connectHandler(this::onConnect);
    return candidate.listen().map(bound -> {
      server = bound;
      port = bound.actualPort();
      return this;
    });
  }

  private void onConnect(NetSocket front) {
    if (refusing) { // accepted by a server that is closing
      front.close();
      return;
    }
    front.pause(); // hold the client's bytes until the target side is connected
    Link link = new Link(front);
    links.add(link);
    client.connect(targetPort, targetHost).onComplete(connected -> {
      if (connected.succeeded()) {
        link.attach(connected.result());
      } else {
        link.close();
      }
    });
  }

  /** One client connection and its connection to the target. */
  private final class Link {
    private final NetSocket front;
    private volatile NetSocket back;
    private volatile boolean closed;
    private volatile boolean silent;

    Link(NetSocket front) {
      this.front = front;
      front.closeHandler(v -> close());
      front.exceptionHandler(e -> close());
    }

    void attach(NetSocket target) {
      synchronized (TcpProxy.this) {
        back = target;
        target.closeHandler(v -> close());
        target.exceptionHandler(e -> close());
        if (closed) {
          target.close();
          return;
        }
        target.pause();
        pipe(front, target);
        pipe(target, front);
        if (!frozen) {
          resume();
        }
      }
    }

    private void pipe(NetSocket from, NetSocket to) {
      from.handler(bytes -> {
        if (silent) {
          return; // lost on the way: the sender's TCP still sees it acknowledged
        }
        to.write(bytes);
        if (to.writeQueueFull()) {
          from.pause();
          to.drainHandler(v -> {
            synchronized (TcpProxy.this) {
              if (!frozen) {
                from.resume();
              }
            }
          });
        }
      });
    }

    void silence() {
      silent = true;
    }

    void pause() {
      front.pause();
      NetSocket target = back;
      if (target != null) {
        target.pause();
      }
    }

    void resume() {
      NetSocket target = back;
      if (target != null) { // not yet attached: attach() resumes when not frozen
        front.resume();
        target.resume();
      }
    }

    void close() {
      closed = true;
      links.remove(this);
      front.close();
      NetSocket target = back;
      if (target != null) {
        target.close();
      }
    }

    void reset() {
      closed = true;
      links.remove(this);
      // Arm both sides before closing either: closing one side closes the other through the
      // link's close handler, and SO_LINGER can no longer be set on a closed channel.
      NetSocket target = back;
      Channel frontChannel = arm(front);
      Channel backChannel = target == null ? null : arm(target);
      frontChannel.close();
      if (backChannel != null) {
        backChannel.close();
      }
    }

    // SO_LINGER 0 makes close() send RST; Vert.x exposes no public reset for a NetSocket.
    private Channel arm(NetSocket socket) {
      Channel channel = ((NetSocketInternal) socket).channelHandlerContext().channel();
      if (channel.isOpen()) {
        channel.config().setOption(ChannelOption.SO_LINGER, 0);
      }
      return channel;
    }
  }
}
