//! One watch subscriber: the replayed part of the window, then the live channel. It owns only its
//! cursor; it must not block the flusher (the channel is bounded and a lagging subscriber is cut
//! off with `Gone` instead of slowing writers down).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use futures::Stream;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use super::{Result, StoreError, WatchEvent};

/// A stream of the events under one prefix after one revision, in revision order; ends after one
/// `Err(Gone)` if the subscriber lagged, or when the store is dropped.
pub struct WatchStream {
    prefix: String,
    /// The revision of the last event delivered (or the revision the watch started after).
    cursor: u64,
    replay: std::vec::IntoIter<Arc<WatchEvent>>,
    live: BroadcastStream<Arc<WatchEvent>>,
    /// The store's window floor, for the `Gone` a lagging subscriber gets.
    floor: Arc<AtomicU64>,
    done: bool,
}

impl WatchStream {
    /// Builds a stream from the replayed events and a receiver subscribed before they were copied.
    pub(super) fn new(
        prefix: String,
        after_rv: u64,
        replay: Vec<Arc<WatchEvent>>,
        live: broadcast::Receiver<Arc<WatchEvent>>,
        floor: Arc<AtomicU64>,
    ) -> WatchStream {
        WatchStream {
            prefix,
            cursor: after_rv,
            replay: replay.into_iter(),
            live: BroadcastStream::new(live),
            floor,
            done: false,
        }
    }
}

impl std::fmt::Debug for WatchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchStream")
            .field("prefix", &self.prefix)
            .field("cursor", &self.cursor)
            .field("replay_left", &self.replay.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Stream for WatchStream {
    type Item = Result<Arc<WatchEvent>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        if let Some(event) = this.replay.next() {
            this.cursor = event.rv;
            return Poll::Ready(Some(Ok(event)));
        }
        loop {
            match Pin::new(&mut this.live).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(BroadcastStreamRecvError::Lagged(_)))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(StoreError::Gone {
                        requested: this.cursor,
                        oldest: this.floor.load(Ordering::SeqCst),
                    })));
                }
                Poll::Ready(Some(Ok(event))) => {
                    // Events at or before the cursor were replayed or precede `after_rv`.
                    if event.rv > this.cursor && event.key.starts_with(&this.prefix) {
                        this.cursor = event.rv;
                        return Poll::Ready(Some(Ok(event)));
                    }
                }
            }
        }
    }
}
