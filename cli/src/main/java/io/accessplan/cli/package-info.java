/** accessplan cli. */
package io.accessplan.cli;
