/** The local stand-in for the external signal sources: Open-Meteo and FRED (dev/test only). See README.md. */
export {
  startSignalsStandIn,
  type BadDataMode,
  type RecordedRequest,
  type SignalsFault,
  type SignalsStandIn,
  type SignalsStandInOptions,
  type StandInEndpoint,
} from "./server";
export { geocode, seriesKind, seriesValue, weatherOn, type DailyWeather } from "./generate";
