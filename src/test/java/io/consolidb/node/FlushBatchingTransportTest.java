package io.consolidb.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.TestCerts;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A burst of writes a connection's own event loop makes outside a read (what event-bus sends,
 * service replies and pipelined lookups are) reaches the socket in one flush on the node's
 * transport, where Vert.x's own flushes once per write; with TLS the batching happens before
 * encryption. Real sockets, real TLS.
 */
class FlushBatchingTransportTest {

  private static final int WRITES = 100;
  private static final int WIDTH = 8;

  private Vertx vertx;
  /** Held until the test ends: Vert.x closes a client nobody references, and its connections with it. */
  private NetClient client;

  @AfterEach
  void close() throws Exception {
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("a burst of writes on the connection's loop goes out in one flush, bytes intact and in order")
  void burstOnTheLoop_isOneFlush() throws Exception {
    vertx = Vertx.builder().withTransport(FlushBatchingTransport.TRANSPORT).build();
    assertThat(vertx.isNativeTransportEnabled()).as("still Vert.x's NIO transport").isFalse();
    Burst burst = burst(new NetServerOptions(), new NetClientOptions());
    assertThat(burst.received).isEqualTo(expected());
    assertThat(burst.flushes).isLessThanOrEqualTo(2);
  }

  @Test
  @DisplayName("over TLS the batching sits after the TLS handler, so a burst is encrypted together")
  void overTls_batchesBeforeEncryption() throws Exception {
    vertx = Vertx.builder().withTransport(FlushBatchingTransport.TRANSPORT).build();
    Path certs = TestCerts.ours();
    NetServerOptions server = new NetServerOptions().setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
        .setCertPath(certs.resolve("node1.pem").toString()).setKeyPath(certs.resolve("node1-key.pem").toString()));
    NetClientOptions client = new NetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("")
        .setTrustOptions(new PemTrustOptions().addCertPath(certs.resolve("ca.pem").toString()));
    Burst burst = burst(server, client);
    assertThat(burst.received).isEqualTo(expected());
    assertThat(burst.flushes).isLessThanOrEqualTo(2);
    assertThat(burst.pipeline.indexOf("ssl")).isGreaterThanOrEqualTo(0)
        .isLessThan(burst.pipeline.indexOf(FlushBatchingTransport.HANDLER_NAME));
    assertThat(burst.pipeline.indexOf(FlushBatchingTransport.HANDLER_NAME))
        .isLessThan(burst.pipeline.indexOf("handler"));
  }

  @Test
  @DisplayName("Vert.x's own transport flushes each such write (what the node's transport is for)")
  void plainVertx_flushesEachWrite() throws Exception {
    vertx = Vertx.vertx();
    Burst burst = burst(new NetServerOptions(), new NetClientOptions());
    assertThat(burst.received).isEqualTo(expected());
    assertThat(burst.flushes).isEqualTo(WRITES);
  }

  private record Burst(String received, int flushes, java.util.List<String> pipeline) {
  }

  /** Writes {@value #WRITES} small messages in one task on the client connection's loop; what the server got. */
  private Burst burst(NetServerOptions serverOptions, NetClientOptions clientOptions) throws Exception {
    StringBuilder received = new StringBuilder();
    CompletableFuture<String> all = new CompletableFuture<>();
    NetServer server = vertx.createNetServer(serverOptions).connectHandler(socket -> socket.handler(data -> {
      received.append(data.toString());
      if (received.length() >= WRITES * WIDTH) {
        all.complete(received.toString());
      }
    }));
    server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    client = vertx.createNetClient(clientOptions);
    NetSocketInternal socket = (NetSocketInternal) client.connect(server.actualPort(), "127.0.0.1")
        .await(10, TimeUnit.SECONDS);
    ChannelHandlerContext chctx = socket.channelHandlerContext();
    AtomicInteger flushes = new AtomicInteger();
    ChannelPipeline pipeline = chctx.pipeline();
    pipeline.addFirst("count-flushes", new ChannelOutboundHandlerAdapter() {
      @Override
      public void flush(ChannelHandlerContext ctx) {
        flushes.incrementAndGet();
        ctx.flush();
      }
    });
    chctx.executor().execute(() -> {
      for (int i = 0; i < WRITES; i++) {
        socket.write(Buffer.buffer(String.format("m%06d;", i)));
      }
    });
    String got = all.get(10, TimeUnit.SECONDS);
    return new Burst(got, flushes.get(), pipeline.names());
  }

  private static String expected() {
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < WRITES; i++) {
      expected.append(String.format("m%06d;", i));
    }
    return expected.toString();
  }
}
