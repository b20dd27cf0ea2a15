// First: the requests the first screen waits for go out before the rest is evaluated (boot.ts).
import './boot'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { firstPageArrival } from './history-first-page'
import './styles.css'
import './files.css'
import './history.css'
import './viewer.css'
import './output-pane.css'
import './connection.css'

/** The longest the first render waits for the history's first page (asked for in boot.ts). */
const FIRST_PAGE_WAIT_MS = 150

// Rendered with the history's first page when it is here soon (it usually is: it was asked for
// before the rest of the code ran): one render with the list, not an empty list and a second one.
void firstPageArrival(FIRST_PAGE_WAIT_MS).then(() =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
)
