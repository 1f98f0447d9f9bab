package dev.halo.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Redis connection speaking RESP2, enough for a bench client: one command at a time, answers as
 * {@link String} (simple and bulk strings), {@link Long}, {@link List}, {@code null}, or a {@link
 * RedisError} thrown for an error reply.
 */
final class RespClient implements AutoCloseable {
  /** Redis answered with an error ({@code -READONLY ...}, {@code -NOREPLICAS ...}). */
  static final class RedisError extends IOException {
    RedisError(String message) {
      super(message);
    }

    /** The error's code, its first word ({@code READONLY}). */
    String code() {
      int space = getMessage().indexOf(' ');
      return space < 0 ? getMessage() : getMessage().substring(0, space);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RespClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects to Redis on 127.0.0.1:{@code port}; every read waits at most {@code timeout}. */
  static RespClient connect(int port, Duration timeout) throws IOException {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      return new RespClient(socket);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /** Sends one command and reads its answer. */
  Object call(String... args) throws IOException {
    out.write(encode(args));
    out.flush();
    return read();
  }

  /** A command as a RESP array of bulk strings. */
  static byte[] encode(String... args) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    buf.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (String arg : args) {
      byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
      buf.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      buf.writeBytes(bytes);
      buf.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    return buf.toByteArray();
  }

  /** Reads one answer from {@code in}. */
  static Object read(InputStream in) throws IOException {
    int type = in.read();
    if (type < 0) {
      throw new EOFException("Redis closed the connection");
    }
    String line = line(in);
    switch (type) {
      case '+':
        return line;
      case '-':
        throw new RedisError(line);
      case ':':
        return Long.parseLong(line);
      case '$':
        {
          int length = Integer.parseInt(line);
          if (length < 0) {
            return null;
          }
          byte[] bytes = in.readNBytes(length);
          if (bytes.length < length) {
            throw new EOFException("Redis closed the connection in a bulk string");
          }
          line(in);
          return new String(bytes, StandardCharsets.UTF_8);
        }
      case '*':
        {
          int count = Integer.parseInt(line);
          if (count < 0) {
            return null;
          }
          List<Object> items = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            try {
              items.add(read(in));
            } catch (RedisError e) {
              items.add(e);
            }
          }
          return items;
        }
      default:
        throw new IOException("not a RESP answer: " + (char) type + line);
    }
  }

  private Object read() throws IOException {
    return read(in);
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder s = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\r') {
        int lf = in.read();
        if (lf != '\n') {
          throw new IOException("RESP line without LF");
        }
        return s.toString();
      }
      s.append((char) c);
    }
    throw new EOFException("Redis closed the connection in a line");
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
