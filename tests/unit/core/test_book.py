from __future__ import annotations

from openclob.core.book import Book
from openclob.core.orders import BookSide, Order, OrderType, Side


def _order(order_id: str, book_side: BookSide, price: int, size: int) -> Order:
    side = Side.BUY if book_side is BookSide.BID else Side.SELL
    return Order(
        order_id=order_id,
        owner="k",
        maker="0xm",
        signer="0xm",
        condition_id="c",
        token_id="1",
        token_index=0,
        side=side,
        book_side=book_side,
        order_type=OrderType.GTC,
        post_only=False,
        price_units=price,
        book_price_units=price,
        size_units=size,
        maker_amount=0,
        taker_amount=0,
        fee_rate_bps=0,
        expiration=0,
        created_at_ms=0,
        sequence=0,
    )


def test_book_reports_best_prices_and_depth_best_first() -> None:
    book = Book("c")
    for i, price in enumerate((400_000, 450_000, 420_000)):
        book.add(_order(f"b{i}", BookSide.BID, price, 10_000_000))
    for i, price in enumerate((600_000, 550_000)):
        book.add(_order(f"a{i}", BookSide.ASK, price, 5_000_000))
    assert book.best_bid() == 450_000
    assert book.best_ask() == 550_000
    assert book.depth(BookSide.BID) == [(450_000, 10_000_000), (420_000, 10_000_000), (400_000, 10_000_000)]
    assert book.depth(BookSide.ASK) == [(550_000, 5_000_000), (600_000, 5_000_000)]
    assert book.problems() == []


def test_book_keeps_fifo_within_a_level_and_drops_empty_levels() -> None:
    book = Book("c")
    first, second = _order("x", BookSide.BID, 500_000, 1_000_000), _order("y", BookSide.BID, 500_000, 2_000_000)
    assert book.add(first) == 1_000_000
    assert book.add(second) == 3_000_000
    assert [o.order_id for o in book.orders()] == ["x", "y"]
    assert book.remove(first, first.remaining_units) == 2_000_000
    assert book.remove(second, second.remaining_units) == 0
    assert book.best_bid() is None
    assert book.depth(BookSide.BID) == []
    assert book.problems() == []


def test_book_problems_reports_a_level_whose_size_disagrees_with_its_orders() -> None:
    book = Book("c")
    order = _order("x", BookSide.ASK, 500_000, 1_000_000)
    book.add(order)
    order.matched_units = 10_000  # changed behind the book's back
    assert book.problems() == ["ASK level 500000 size 1000000 != 990000"]
