import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * For scripts/bench-lb --idle: opens N keep-alive connections to 127.0.0.1:PORT, sends one request
 * on each and reads its answer, then holds them all open (idle) until killed. Prints "holding N".
 * Usage: java IdleClients.java PORT N
 */
public class IdleClients {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        byte[] request = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        List<Socket> held = new ArrayList<>(count);
        byte[] buffer = new byte[4096];
        for (int i = 0; i < count; i++) {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            String received = "";
            while (!received.endsWith("hello, world\n")) {
                int n = in.read(buffer);
                if (n < 0) {
                    throw new IllegalStateException("connection " + i + " closed before its answer: " + received);
                }
                received += new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
            }
            held.add(socket);
        }
        System.out.println("holding " + held.size());
        Thread.sleep(Long.MAX_VALUE);
    }
}
