// Nest's own start-up narration — "Mapped {/v1/missions, GET} route", "XModule dependencies
// initialized", about 50 lines — is for someone debugging the framework, not for the person
// starting the service: at the default level (info) it would bury the one line they need
// ("API listening on ..."). This logger (nestjs-pino's, JSON lines as before) files those
// framework lines at debug; LOG_LEVEL=debug shows them again. Everything else keeps its level.
import { Injectable } from '@nestjs/common';
import { Logger } from 'nestjs-pino';

/** The contexts Nest's start-up lines are logged under. */
const FRAMEWORK_STARTUP_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** Constructed as nestjs-pino's Logger is (a PinoLogger and its params): by Nest in the API, by hand in the worker. */
@Injectable()
export class FrameworkQuietLogger extends Logger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    // Nest passes its context as the last parameter.
    const context = optionalParams[optionalParams.length - 1];
    if (typeof context === 'string' && FRAMEWORK_STARTUP_CONTEXTS.has(context)) this.debug(message, ...optionalParams);
    else super.log(message, ...optionalParams);
  }
}
