import streamlit as st
st.title("Gates: LSTM & GRU")
