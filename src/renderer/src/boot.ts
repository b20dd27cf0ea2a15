// Evaluated before every other module of the app (main.tsx imports it first): requests that the
// first screen waits for go out before the rest of the code is evaluated and rendered.
import { client } from './api/client'
import { startFirstPage } from './history-first-page'

startFirstPage(client)
