/** Extension points of migmon core. */
package io.migmon.core.spi;
