package dev.exporter.registry;

import dev.exporter.registry.auth.AuthenticationException;
import dev.exporter.registry.http.NetworkException;
import dev.exporter.registry.http.ProxyException;
import dev.exporter.transfer.VerifyingStream;

import java.io.IOException;
import java.net.UnknownHostException;

/**
 * Which failures are worth another attempt; {@link RegistryClient} asks nothing else. Transient are the failures
 * the next attempt may not meet:
 * <ul>
 *   <li>sending a request failed: the connection was refused, reset or timed out, the answer's head never came;
 *   <li>reading a response body failed, or its reader found it cut short: a {@link NetworkException}, or the
 *       verifying stream's {@link VerifyingStream.Truncated} (a body that ended before its declared size);
 *   <li>the registry or its token service answered 408, 429 or 5xx, or the token service could not be reached.
 * </ul>
 * Never transient: a host name that does not resolve (DNS does not heal in seconds), a TLS failure while connecting (an untrusted certificate, a server without TLS) and a proxy's
 * refusal, which answer the same every time; the registry's final word (other 4xx); and every failure of an
 * endpoint's handler that is not the network's, above all an {@link IOException} from writing a file: a full disk
 * stays full, and retrying it with backoff would only hide the cause for minutes.
 */
final class RetryRule {

    private RetryRule() {
    }

    /** Sending a request, or reading its answer's head, failed with {@code failure}. */
    static boolean isTransientSendFailure(IOException failure) {
        return !RegistryErrors.isTlsFailure(failure) && !refusedByProxy(failure) && !(failure instanceof UnknownHostException);
    }

    /** An endpoint's handler failed with {@code failure} while it read a successful response. */
    static boolean isTransientHandlerFailure(IOException failure) {
        return (failure instanceof NetworkException || failure instanceof VerifyingStream.Truncated)
                && !refusedByProxy(failure);
    }

    /** The registry answered with {@code status}. */
    static boolean isTransient(int status) {
        return status == 408 || status == 429 || status >= 500;
    }

    /** Token-service hiccups are as worth a retry as the registry's own. */
    static boolean isTransient(AuthenticationException failure) {
        return failure.networkFailure() || isTransient(failure.status());
    }

    /** The proxy answered and said no (say, a wrong password): that does not change on a retry. */
    private static boolean refusedByProxy(IOException failure) {
        return failure instanceof ProxyException proxy && proxy.refused();
    }
}
