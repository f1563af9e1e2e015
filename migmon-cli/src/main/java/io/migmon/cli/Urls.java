package io.migmon.cli;

import io.migmon.cli.internal.Secrets;
import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine;

/**
 * Parses an http(s) URL option without ever echoing what was typed: picocli's own URI conversion prints the whole
 * value (password included) when it is not a valid URI. Messages show the URL as {@link Secrets#url(String)} does.
 * A query or fragment is refused: credentials go into user info or environment variables, and a query would be
 * glued in front of the API path.
 */
final class Urls implements CommandLine.ITypeConverter<URI> {

    @Override
    public URI convert(String value) {
        String shown = Secrets.url(value);
        URI u;
        try {
            u = new URI(value.strip());
        } catch (URISyntaxException e) {
            throw new CommandLine.TypeConversionException("'" + shown + "' is not a valid URL (what was typed is not "
                    + "shown: it may hold a password). Percent-encode special characters of a user name or password "
                    + "(%40 for @, %2F for /, %23 for #, %25 for %, %20 for a space) or use a token variable");
        }
        if (u.getScheme() == null || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))
                || u.getHost() == null) {
            throw new CommandLine.TypeConversionException("'" + shown + "' is not an absolute http(s) URL with a host "
                    + "such as http://prometheus:9090 (credentials not shown; percent-encode special characters of a "
                    + "password: %2F for /, %23 for #, %40 for @)");
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new CommandLine.TypeConversionException("'" + shown + "' must not have a query (?...) or fragment "
                    + "(#...): give the base URL only; credentials go into user info (https://user:password@host) or "
                    + "the token environment variable");
        }
        return u;
    }
}
