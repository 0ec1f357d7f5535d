/** accessplan collector. */
package io.accessplan.collector;
