package dev.exporter.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test key material, generated once per JVM with {@code openssl} (see {@link #get()}):
 *
 * <ul>
 *   <li>a self-signed test CA;
 *   <li>a server certificate signed by that CA for {@code localhost}, {@code 127.0.0.1} and
 *       {@code ::1} (used by TLS registries; clients must trust {@link #caCertPem()});
 *   <li>an unrelated self-signed certificate whose key signs registry JWTs ({@link TokenServer}).
 * </ul>
 *
 * All files live in a temp directory deleted when the JVM exits.
 */
public final class TestPki {

    private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(60);

    private static TestPki instance;

    private final Path dir;
    private final PrivateKey tokenSigningKey;
    private final byte[] tokenCertDer;

    private TestPki(Path dir) throws IOException, GeneralSecurityException {
        this.dir = dir;
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
                "-subj", "/CN=exporter test CA", "-keyout", f("ca.key"), "-out", f("ca.pem"));
        openssl("req", "-new", "-newkey", "rsa:2048", "-nodes",
                "-subj", "/CN=localhost", "-keyout", f("server.key"), "-out", f("server.csr"));
        Files.writeString(dir.resolve("server.ext"), String.join("\n",
                "basicConstraints=CA:FALSE",
                "keyUsage=critical,digitalSignature,keyEncipherment",
                "extendedKeyUsage=serverAuth",
                "subjectAltName=DNS:localhost,DNS:registry.test,IP:127.0.0.1,IP:::1", ""));
        openssl("x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"),
                "-set_serial", "2", "-days", "3650", "-extfile", f("server.ext"), "-out", f("server.pem"));
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
                "-subj", "/CN=exporter test token signer", "-keyout", f("token.key"), "-out", f("token.pem"));
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", f("token.key"), "-outform", "DER", "-out", f("token.key.der"));

        tokenSigningKey = KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(dir.resolve("token.key.der"))));
        tokenCertDer = readCertificate(tokenCertPem()).getEncoded();
    }

    /** The shared instance, generated on first use (takes a second or two). */
    public static synchronized TestPki get() {
        if (instance == null) {
            ExternalTools.require("openssl");
            Path dir = TempDirs.createShort("pki");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> TempDirs.deleteQuietly(dir)));
            try {
                instance = new TestPki(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot load generated test keys", e);
            }
        }
        return instance;
    }

    /** PEM certificate of the test CA; clients of TLS registries must trust it. */
    public Path caCertPem() {
        return dir.resolve("ca.pem");
    }

    /** PEM certificate of the TLS server (SANs localhost, 127.0.0.1, ::1). */
    public Path serverCertPem() {
        return dir.resolve("server.pem");
    }

    /** Unencrypted PEM (PKCS#8) private key of the TLS server certificate. */
    public Path serverKeyPem() {
        return dir.resolve("server.key");
    }

    /** PEM certificate of the JWT signing key; registries in token mode use it as root bundle. */
    public Path tokenCertPem() {
        return dir.resolve("token.pem");
    }

    /** RSA key that signs JWTs. */
    public PrivateKey tokenSigningKey() {
        return tokenSigningKey;
    }

    /** DER encoding of {@link #tokenCertPem()}, as put into the JWT {@code x5c} header. */
    public byte[] tokenCertDer() {
        return tokenCertDer.clone();
    }

    /** A new SSL context that trusts only the test CA. */
    public SSLContext sslContext() {
        try {
            KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
            trustStore.load(null, null);
            trustStore.setCertificateEntry("exporter-test-ca", readCertificate(caCertPem()));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build SSL context for the test CA", e);
        }
    }

    private static X509Certificate readCertificate(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** Absolute path of a file in the PKI directory, as an openssl argument. */
    private String f(String name) {
        return dir.resolve(name).toString();
    }

    private static void openssl(String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Exec.run(OPENSSL_TIMEOUT, Map.of(), null, command).check();
    }
}
